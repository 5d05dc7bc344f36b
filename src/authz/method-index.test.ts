// The method index finds exactly the rules that name a method, in policy order, whichever way they
// name it (exact, whole service, "*", or an A43 prefix/suffix), and caches a bounded number.
import { compileRule, MethodIndex } from './method-index';
import { RuleModel } from './policy-model';
import { PatternSyntax } from './wildcard';

const rule = (name: string, methods: string[], extra: Partial<RuleModel> = {}): RuleModel => ({
  name,
  effect: 'allow',
  roles: ['r'],
  methods,
  ...extra,
});
const indexOf = (rules: RuleModel[], syntax: PatternSyntax = 'glob') =>
  new MethodIndex(
    rules.map((r, i) => compileRule(r, i, syntax)),
    syntax,
  );
const names = (index: MethodIndex, method: string) => index.candidates(method).map((r) => r.name);

describe('compileRule', () => {
  it('keeps position, name, effect, roles and methods; "*" among the roles is any caller', () => {
    const r = compileRule(rule('a', ['/a.B/C'], { effect: 'deny', roles: ['x', 'y'], source: { line: 3 } }), 7);
    expect(r).toMatchObject({ index: 7, name: 'a', effect: 'deny', anyCaller: false, roleList: ['x', 'y'], methods: ['/a.B/C'] });
    expect([...r.roles]).toEqual(['x', 'y']);
    expect(r.source).toEqual({ line: 3 });
    expect(r.headers).toBeUndefined();
    expect(compileRule(rule('b', ['*'], { roles: ['x', '*'] }), 0).anyCaller).toBe(true);
    expect(compileRule({ name: 'c', effect: 'allow', roles: ['x'], connect: ['h:1'] }, 0).methods).toEqual([]);
  });

  it('compiles header conditions in the syntax of the policy', () => {
    const headers = [{ key: 'x-a', values: ['a*c'] }];
    expect(compileRule(rule('g', ['*'], { headers }), 0, 'glob').headers![0].matchers[0]('abc')).toBe(true);
    expect(compileRule(rule('a', ['*'], { headers }), 0, 'a43').headers![0].matchers[0]('abc')).toBe(false);
  });
});

describe('MethodIndex (certrpc YAML)', () => {
  const index = indexOf([
    rule('exact', ['/a.B/C']),
    rule('service', ['/a.B/*']),
    rule('every', ['*']),
    rule('other-service', ['/a.X/*', '/a.B/C']),
    rule('twice', ['/a.B/C', '/a.B/*', '/a.B/C']),
  ]);

  it('finds every rule naming the method, each once, in policy order', () => {
    expect(names(index, '/a.B/C')).toEqual(['exact', 'service', 'every', 'other-service', 'twice']);
    expect(names(index, '/a.B/D')).toEqual(['service', 'every', 'twice']);
    expect(names(index, '/a.X/C')).toEqual(['every', 'other-service']);
    expect(names(index, '/a.BB/C')).toEqual(['every']);
  });

  it('a whole-service pattern is that service only: not a prefix of another, not a path below it', () => {
    expect(names(index, '/a.B/C/D')).toEqual(['every']);
    expect(names(index, 'a.B/C')).toEqual(['every']);
  });

  it('a pattern with more than one "/" before "/*" is matched as a pattern, not as a service', () => {
    const deep = indexOf([rule('deep', ['/a/b/*']), rule('glob-service', ['/a.*/*']), rule('relative', ['a.B/*'])]);
    expect(names(deep, '/a/b/c')).toEqual(['deep']);
    expect(names(deep, '/a/b/c/d')).toEqual(['deep']);
    expect(names(deep, '/a.B/C')).toEqual(['glob-service']);
    // A glob pattern ending in "/*" matches everything below (wildcard.ts, segments 'path').
    expect(names(deep, '/a.B/C/D')).toEqual(['glob-service']);
    expect(names(deep, 'a.B/C')).toEqual(['relative']);
  });

  it('answers a repeated method from its cache (a frozen list), up to 10,000 methods', () => {
    const small = indexOf([rule('every', ['*'])]);
    const first = small.candidates('/m.S/0');
    expect(Object.isFrozen(first)).toBe(true);
    expect(small.candidates('/m.S/0')).toBe(first);
    for (let i = 1; i < 10_000; i++) small.candidates(`/m.S/${i}`);
    const over = small.candidates('/m.S/over');
    expect(over).toEqual(first);
    expect(small.candidates('/m.S/over')).not.toBe(over);
    expect(small.candidates('/m.S/9999')).toBe(small.candidates('/m.S/9999'));
  });
});

describe('MethodIndex (A43)', () => {
  const index = indexOf(
    [rule('exact', ['/a.B/C']), rule('prefix', ['/a.B/*']), rule('suffix', ['*/Get']), rule('every', ['*']), rule('star', ['/a.*/C'])],
    'a43',
  );

  it('"/pkg.Svc/*" is a prefix (crossing "/"), "*/M" a suffix, "*" every method, a "*" inside literal', () => {
    expect(names(index, '/a.B/C')).toEqual(['exact', 'prefix', 'every']);
    expect(names(index, '/a.B/C/D')).toEqual(['prefix', 'every']);
    expect(names(index, '/x.Y/Get')).toEqual(['suffix', 'every']);
    expect(names(index, '/a.B/Get')).toEqual(['prefix', 'suffix', 'every']);
    expect(names(index, '/a.*/C')).toEqual(['every', 'star']);
  });
});
