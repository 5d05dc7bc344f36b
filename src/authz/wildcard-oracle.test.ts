// wildcard.ts against a plain reference, on EVERY short pattern and value over a small alphabet:
// the linear-time matcher (prefix/suffix checks, KMP failure tables, segment cutting, the "/*"
// subtree rule) must give exactly the answer of the obvious regular expression. The reference is a
// RegExp built here, in the test, from test data only; the product never builds one (wildcard.ts).
import { a43Matcher, countStars, isLiteralPattern, StepCounter, wildcardMatcher, Segments } from './wildcard';

/** Every string of length 0..max over the alphabet. */
function strings(alphabet: string, max: number): string[] {
  let level = [''];
  const all = [''];
  for (let n = 1; n <= max; n++) {
    level = level.flatMap((s) => [...alphabet].map((c) => s + c));
    all.push(...level);
  }
  return all;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const STAR: Record<Exclude<Segments, 'email'>, string> = { none: '[^]*', dns: '[^.]*', cn: '[^./]*', path: '[^/]*' };

/** What wildcard.ts documents, as a regular expression (certrpc YAML syntax). */
function reference(pattern: string, segments: Exclude<Segments, 'email'>): (v: string) => boolean {
  if (pattern === '*') return (v) => v.length > 0;
  const body = (p: string) => p.split('*').map(escape).join(STAR[segments]);
  const re =
    segments === 'path' && pattern.endsWith('/*') ? new RegExp(`^${body(pattern.slice(0, -1))}[^]*$`) : new RegExp(`^${body(pattern)}$`);
  return (v) => re.test(v);
}

describe('certrpc YAML wildcards agree with the reference on every short pattern and value', () => {
  const cases: [Exclude<Segments, 'email'>, string, string][] = [
    ['none', 'ab*', 'ab'],
    ['dns', 'ab.*', 'ab.'],
    ['cn', 'ab/.*', 'ab/.'],
    ['path', 'ab/*', 'ab/'],
  ];
  it.each(cases)('segments %s: patterns over "%s", values over "%s"', (segments, patternAlphabet, valueAlphabet) => {
    const values = strings(valueAlphabet, 5);
    const wrong: string[] = [];
    for (const pattern of strings(patternAlphabet, 4)) {
      const ours = wildcardMatcher(pattern, { segments });
      const theirs = reference(pattern, segments);
      for (const v of values) if (ours(v) !== theirs(v)) wrong.push(`${JSON.stringify(pattern)} vs ${JSON.stringify(v)}: ${ours(v)}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('KMP: a star-free part is found where a naive search finds it (patterns whose failure table matters)', () => {
    const wrong: string[] = [];
    for (const part of ['abac', 'abab', 'aab', 'aabaab', 'abaa', 'bba']) {
      const ours = wildcardMatcher(`*${part}*`);
      for (const v of strings('ab', 8)) if (ours(v) !== v.includes(part)) wrong.push(`${part} in ${v}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });

  it('email: a run of `*` in the local part crosses dots but not "@"; the domain goes label by label', () => {
    const wrong: string[] = [];
    const ref = (p: string) => {
      if (p === '*') return (v: string) => v.length > 0;
      const at = p.indexOf('@');
      const local = (s: string) => s.split('*').map(escape).join('[^@]*');
      const domain = (s: string) => s.split('*').map(escape).join('[^@.]*');
      const re = at < 0 ? new RegExp(`^${local(p)}$`) : new RegExp(`^${local(p.slice(0, at))}@${domain(p.slice(at + 1))}$`);
      return (v: string) => re.test(v);
    };
    for (const pattern of strings('a@.*', 4)) {
      if ((pattern.match(/@/g) ?? []).length > 1) continue;
      const ours = wildcardMatcher(pattern, { segments: 'email' });
      const theirs = ref(pattern);
      for (const v of strings('a@.', 5)) if ((v.match(/@/g) ?? []).length <= 1 && ours(v) !== theirs(v)) wrong.push(`${pattern} vs ${v}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });
});

describe('what the reference does not say', () => {
  it('a prefix pattern is anchored at the start and a suffix pattern at the end, in both syntaxes and every segment kind', () => {
    for (const segments of ['none', 'dns', 'cn', 'path', 'email'] as const) {
      expect(wildcardMatcher('svc-*', { segments })('evil-svc-x')).toBe(false);
      expect(wildcardMatcher('svc-*', { segments })('svc-x')).toBe(true);
      expect(wildcardMatcher('*-svc', { segments })('x-svc-evil')).toBe(false);
    }
    expect(a43Matcher('svc-*')('evil-svc-x')).toBe(false);
    expect(a43Matcher('*-svc')('x-svc-evil')).toBe(false);
    expect(a43Matcher('svc')('xsvc')).toBe(false);
    expect(a43Matcher('svc')('svc')).toBe(true);
  });

  it('"/*" means the subtree only for paths: in a CN or DNS pattern it is one more segment', () => {
    expect(wildcardMatcher('team/*', { segments: 'path' })('team/a/b')).toBe(true);
    expect(wildcardMatcher('team/*', { segments: 'cn' })('team/a/b')).toBe(false);
    expect(wildcardMatcher('corp/*', { segments: 'dns' })('corp/x.y')).toBe(false);
    expect(wildcardMatcher('a@b/*', { segments: 'email' })('a@b/c/d')).toBe(true);
    expect(wildcardMatcher('*@x', { segments: 'none' })('a@b@x')).toBe(true);
  });

  it('ignoreCase folds to lower case (so a dotless ı stays itself), and is off by default', () => {
    expect(wildcardMatcher('*.CORP', { ignoreCase: true, segments: 'dns' })('db.corp')).toBe(true);
    expect(wildcardMatcher('DB.CORP', { ignoreCase: true, segments: 'dns' })('db.corp')).toBe(true);
    expect(wildcardMatcher('*.ı', { ignoreCase: true })('x.i')).toBe(false);
    expect(wildcardMatcher('*.CORP', { segments: 'dns' })('db.corp')).toBe(false);
  });

  it('isLiteralPattern and countStars', () => {
    expect(isLiteralPattern('abc', 'glob')).toBe(true);
    expect(isLiteralPattern('a*c', 'glob')).toBe(false);
    expect(isLiteralPattern('a*c', 'a43')).toBe(true);
    expect(isLiteralPattern('*ac', 'a43')).toBe(false);
    expect(isLiteralPattern('ac*', 'a43')).toBe(false);
    expect(isLiteralPattern('', 'a43')).toBe(true);
    expect(countStars('a**b*')).toBe(3);
    expect(countStars('')).toBe(0);
  });

  it('the step counter counts the characters read (so the linear-time bounds measure something)', () => {
    const count = (pattern: string, value: string, segments: Segments) => {
      const steps: StepCounter = { count: 0 };
      wildcardMatcher(pattern, { segments, steps })(value);
      return steps.count;
    };
    const value = 'x'.repeat(40);
    for (const segments of ['dns', 'cn', 'path', 'email'] as const)
      expect(count('*y*', value, segments)).toBeGreaterThanOrEqual(value.length);
    expect(count('*yy*', value, 'none')).toBeGreaterThanOrEqual(value.length);
    expect(count('x/*', value, 'path')).toBeGreaterThanOrEqual(value.length);
    expect(count('xxx*', 'xxxy', 'none')).toBeGreaterThanOrEqual(3);
    expect(count('*xxx', 'yxxx', 'none')).toBeGreaterThanOrEqual(3);
    expect(count('*xy*', 'x'.repeat(10), 'none')).toBeGreaterThanOrEqual(10);
  });
});
