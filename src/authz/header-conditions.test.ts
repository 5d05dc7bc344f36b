// Header conditions: which keys a policy may name (and why not), and how metadata is matched.
import { Metadata } from '@grpc/grpc-js';
import { checkHeaderKey, compileHeaderConditions, failedHeaderCondition } from './header-conditions';

/** The kind of refusal, told apart by what its fix asks for. */
function refusal(key: string, syntax: 'glob' | 'a43' = 'glob'): string | undefined {
  const problem = checkHeaderKey(key, syntax);
  if (!problem) return undefined;
  expect(problem.message).toContain(`"${key}"`);
  if (/methods:/.test(problem.fix)) return 'pseudo-header';
  if (/-bin suffix/.test(problem.fix)) return 'binary';
  if (/lower-case letters, digits/.test(problem.fix)) return 'invalid';
  expect(problem.fix).toMatch(/application header/);
  if (/reserved by gRPC/.test(problem.message)) return 'grpc';
  if (/consumed by grpc-js/.test(problem.message)) return 'consumed';
  return 'transport';
}

describe('header keys a condition may name', () => {
  it.each([':path', ':authority', ':Method'])('%s is a pseudo-header', (key) => expect(refusal(key)).toBe('pseudo-header'));

  it.each(['grpc-timeout', 'GRPC-Encoding', 'grpc-'])('%s is reserved by gRPC', (key) => expect(refusal(key)).toBe('grpc'));

  it.each([
    'host',
    'Host',
    'connection',
    'keep-alive',
    'proxy-authenticate',
    'proxy-authorization',
    'te',
    'trailer',
    'Transfer-Encoding',
    'upgrade',
  ])('%s is a transport header', (key) => expect(refusal(key)).toBe('transport'));

  it.each(['content-type', 'Accept-Encoding'])('%s never reaches authorization', (key) => expect(refusal(key)).toBe('consumed'));

  it('a -bin key: refused in certrpc YAML (text headers only), accepted in A43', () => {
    expect(refusal('x-token-bin')).toBe('binary');
    expect(refusal('X-Token-Bin', 'glob')).toBe('binary');
    expect(refusal('x-token-bin', 'a43')).toBeUndefined();
  });

  it.each(['x tenant', 'x/tenant', 'x:tenant', 'tenant\n', 'ténant', ''])('%j is not a header name', (key) =>
    expect(refusal(key)).toBe('invalid'),
  );

  it.each(['x-tenant', 'X-Tenant', 'a_b.c-9', 'te-x', 'hosts', 'x-grpc-timeout', 'content-type-x'])('%s is accepted', (key) => {
    expect(refusal(key)).toBeUndefined();
    expect(refusal(key, 'a43')).toBeUndefined();
  });
});

describe('compiled header conditions', () => {
  const md = (entries: [string, string | Buffer][]) => {
    const m = new Metadata();
    for (const [k, v] of entries) m.add(k, v);
    return m;
  };

  it('no conditions compile to none', () => {
    expect(compileHeaderConditions(undefined)).toBeUndefined();
    expect(compileHeaderConditions([])).toBeUndefined();
  });

  it('keys are lower-cased; a -bin key is binary', () => {
    const [text, bin] = compileHeaderConditions(
      [
        { key: 'X-Tenant', values: ['acme'] },
        { key: 'X-Token-Bin', values: ['a'] },
      ],
      'a43',
    )!;
    expect(text).toMatchObject({ key: 'x-tenant', values: ['acme'], binary: false });
    expect(bin).toMatchObject({ key: 'x-token-bin', values: ['a'], binary: true });
  });

  it('every condition must hold: the first one that fails is the one returned', () => {
    const conditions = compileHeaderConditions([
      { key: 'x-a', values: ['1'] },
      { key: 'x-b', values: ['2', 'two'] },
    ])!;
    expect(
      failedHeaderCondition(
        conditions,
        md([
          ['x-a', '1'],
          ['x-b', 'two'],
        ]),
      ),
    ).toBeUndefined();
    expect(
      failedHeaderCondition(
        conditions,
        md([
          ['x-a', '1'],
          ['x-b', '3'],
        ]),
      ),
    ).toBe(conditions[1]);
    expect(
      failedHeaderCondition(
        conditions,
        md([
          ['x-a', '0'],
          ['x-b', '3'],
        ]),
      ),
    ).toBe(conditions[0]);
    expect(failedHeaderCondition(conditions, md([['x-b', '2']]))).toBe(conditions[0]);
    expect(failedHeaderCondition(conditions, undefined)).toBe(conditions[0]);
  });

  it('an absent header fails even a condition its empty value or "*" would meet', () => {
    const empty = compileHeaderConditions([{ key: 'x-a', values: [''] }])!;
    expect(failedHeaderCondition(empty, md([['x-b', '1']]))).toBe(empty[0]);
    expect(failedHeaderCondition(empty, md([['x-a', '']]))).toBeUndefined();
    const any = compileHeaderConditions([{ key: 'x-a', values: ['*'] }], 'a43')!;
    expect(failedHeaderCondition(any, undefined)).toBe(any[0]);
  });

  it('values are matched with the policy syntax: glob "*" anywhere, A43 "*" only at an end', () => {
    const glob = compileHeaderConditions([{ key: 'x-a', values: ['a*c'] }], 'glob')!;
    const a43 = compileHeaderConditions([{ key: 'x-a', values: ['a*c'] }], 'a43')!;
    expect(failedHeaderCondition(glob, md([['x-a', 'abc']]))).toBeUndefined();
    expect(failedHeaderCondition(a43, md([['x-a', 'abc']]))).toBe(a43[0]);
    expect(failedHeaderCondition(a43, md([['x-a', 'a*c']]))).toBeUndefined();
  });

  it('a header sent several times is matched as its values joined with ","', () => {
    const c = compileHeaderConditions([{ key: 'x-a', values: ['1,2'] }])!;
    expect(
      failedHeaderCondition(
        c,
        md([
          ['x-a', '1'],
          ['x-a', '2'],
        ]),
      ),
    ).toBeUndefined();
    expect(failedHeaderCondition(c, md([['x-a', '1']]))).toBe(c[0]);
  });

  it('binary values are joined and compared as bytes', () => {
    const c = compileHeaderConditions([{ key: 'x-t-bin', values: ['é,a'] }], 'a43')!;
    expect(
      failedHeaderCondition(
        c,
        md([
          ['x-t-bin', Buffer.from('é')],
          ['x-t-bin', Buffer.from('a')],
        ]),
      ),
    ).toBeUndefined();
    expect(
      failedHeaderCondition(
        c,
        md([
          ['x-t-bin', Buffer.from([0xe9])],
          ['x-t-bin', Buffer.from('a')],
        ]),
      ),
    ).toBe(c[0]);
  });
});
