// Connect patterns are written in canonical spellings only, like targets (connect-target.ts): a
// pattern that no canonical target can match is refused when the policy loads, because as a deny
// rule it would load and then deny nothing ("010.0.0.*" never meets 10.0.0.1).
import { cn } from '../../test/helpers/identities';
import { CompiledPolicy } from './compiled-policy';
import { connectPatternProblem, decideConnect, parseConnectTarget, ConnectTarget } from './connect-rules';
import { parsePolicy } from './policy-file';

const compile = (yaml: string) => new CompiledPolicy(parsePolicy(yaml, 'test.yaml'));
const target = (text: string) => parseConnectTarget(text) as ConnectTarget;
/** A policy where bob holds role r with these connect patterns (and, if given, a deny rule for every caller). */
const policyOf = (allow: string[], deny: string[] = []) =>
  compile(
    `roles: { r: [{ cn: bob }] }\nrules:\n` +
      (deny.length ? `  - { name: d, effect: deny, roles: ["*"], connect: ${JSON.stringify(deny)} }\n` : '') +
      `  - { name: a, roles: [r], connect: ${JSON.stringify(allow)} }\n`,
  );
const problems = (patterns: string[]) => patterns.map((p) => ({ p, problem: connectPatternProblem(p) }));

describe('IPv4 wildcard patterns', () => {
  it('refuses a wildcard that no canonical IPv4 address can match: leading zeros, numbers over 255, more than four parts', () => {
    const bad = ['010.0.0.*:*', '10.0.0.01*:*', '256.*:*', '10.300.*:*', '1.2.3.4.*:*', '1.*.*.*.*:*', '10.0.0.*0000:*', '10.0.0.*256:*'];
    expect(problems(bad)).toEqual(bad.map((p) => ({ p, problem: expect.stringContaining(p.slice(0, -2)) })));
  });

  it('accepts every wildcard some canonical address matches, and matches it', () => {
    const ok = ['10.0.0.*', '*.123', '1*', '*1', '10.*.1', '0*', '*.0', '10.0.0.2*', '*05', '*.255', '25*.*'];
    expect(problems(ok.map((p) => `${p}:*`))).toEqual(ok.map((p) => ({ p: `${p}:*`, problem: undefined })));
    const p = policyOf(['10.0.0.2*:*', '*05:*']);
    for (const [t, allowed] of [
      ['10.0.0.2:1', true],
      ['10.0.0.255:1', true],
      ['10.0.0.3:1', false],
      ['1.1.1.105:1', true],
      ['1.1.1.5:1', false],
    ] as const) {
      expect({ t, allowed: decideConnect(p, cn('bob'), target(t)).allowed }).toEqual({ t, allowed });
    }
  });

  it('a deny rule in a spelling no address has fails the policy load instead of denying nothing', () => {
    expect(() => policyOf(['*'], ['010.0.0.*:*'])).toThrow(/test\.yaml:\d+:\d+: rules\[0\]\.connect\[0\]: "010\.0\.0\.\*:\*"/);
    expect(decideConnect(policyOf(['*'], ['10.0.0.*:*']), cn('bob'), target('10.0.0.1:1'))).toMatchObject({ allowed: false, rule: 'd' });
  });

  it('matches IPv4 addresses only: never an IPv6 address, never a name', () => {
    const p = policyOf(['*1:*']);
    expect(decideConnect(p, cn('bob'), target('10.0.0.1:1')).allowed).toBe(true);
    expect(decideConnect(p, cn('bob'), target('[2001:db8::1]:1')).allowed).toBe(false);
    expect(decideConnect(p, cn('bob'), target('x1.example:1'), ['2001:db8::1'])).toMatchObject({ allowed: false, connectTo: [] });
  });
});

describe('name patterns', () => {
  it('refuses a name wildcard in a spelling no canonical name has: empty labels, a second trailing dot, bad labels, other characters', () => {
    const bad = [
      '*.internal..:*',
      '.*.internal:*',
      '*..internal:*',
      '*.-x.internal:*',
      '*.-*.internal:*',
      '*-.internal:*',
      `*.${'a'.repeat(64)}:*`,
      '*_x.internal:*',
      '_*.a:*',
      '*.a_:*',
    ];
    expect(problems(bad)).toEqual(bad.map((p) => ({ p, problem: expect.any(String) })));
    expect(connectPatternProblem(`*.${'a.'.repeat(125)}a:*`)).toBeUndefined(); // 253 characters
    expect(connectPatternProblem(`*.${'a.'.repeat(125)}ab:*`)).toEqual(expect.any(String)); // 254
  });

  it('refuses non-ASCII spellings that lower-case into ASCII (the Kelvin sign K is k)', () => {
    for (const bad of ['\u212Av.internal:1', '*.\u212Av.internal:1', '*.\u212Av.internal.:1']) {
      expect({ bad, problem: connectPatternProblem(bad) }).toEqual({ bad, problem: expect.any(String) });
    }
  });

  it('a wildcard name pattern written with one trailing dot is the same pattern', () => {
    const p = policyOf(['*.Internal.:*']);
    expect(decideConnect(p, cn('bob'), target('kv.internal:1'), ['192.0.2.1'])).toMatchObject({ allowed: true, rule: 'a' });
  });

  it('a name pattern matches names only, never an address, even when its letters would', () => {
    const p = policyOf(['*f*:*']);
    expect(decideConnect(p, cn('bob'), target('[fd00::f]:1'))).toMatchObject({ allowed: false });
    expect(decideConnect(p, cn('bob'), target('off.example:1'), ['2001:db8::1'])).toMatchObject({ allowed: true });
  });

  it('a wildcard made of stars and dots only is a name pattern: it allows a name whatever its addresses', () => {
    const p = policyOf(['*.*:*']);
    expect(decideConnect(p, cn('bob'), target('a.b:1'), ['2001:db8::1'])).toMatchObject({ allowed: true, connectTo: ['2001:db8::1'] });
    expect(decideConnect(p, cn('bob'), target('10.0.0.1:1')).allowed).toBe(false);
  });
});

describe('the HOST:PORT shape of a pattern', () => {
  it('takes the whole pattern as HOST:PORT: no prefix or suffix is ignored', () => {
    for (const bad of ['evil:good.example:443', 'x:1:2', '[::1]:1:2', 'a:[::1]:1', '10.0.0.0/8/8:*', '10.0.0.0/8x:*', '10.0.0.0/x8:*']) {
      expect({ bad, problem: connectPatternProblem(bad) }).toEqual({ bad, problem: expect.any(String) });
    }
  });

  it('a mapped IPv6 block of /96 or more is the IPv4 block; /96 is every IPv4 address', () => {
    expect(connectPatternProblem('[::ffff:0:0/96]:*')).toBeUndefined();
    const p = policyOf(['[::ffff:0:0/96]:*']);
    expect(decideConnect(p, cn('bob'), target('192.0.2.1:1')).allowed).toBe(true);
    expect(decideConnect(p, cn('bob'), target('[2001:db8::1]:1')).allowed).toBe(false);
  });

  it('an IPv6 block never matches an IPv4 address, even the block that holds the mapped range', () => {
    const p = policyOf(['*'], ['[::/0]:*']);
    expect(decideConnect(p, cn('bob'), target('192.0.2.1:1'))).toMatchObject({ allowed: true });
    expect(decideConnect(p, cn('bob'), target('[2001:db8::1]:1'))).toMatchObject({ allowed: false, rule: 'd' });
  });

  it('"*:PORT" is any host on that port: names are decided by their name, without a lookup', () => {
    const p = policyOf(['*:443'], ['*:22']);
    expect(decideConnect(p, cn('bob'), target('x.example:22'))).toMatchObject({ allowed: false, rule: 'd' });
    expect(decideConnect(p, cn('bob'), target('x.example:22')).needsAddresses).toBeUndefined();
    expect(decideConnect(p, cn('bob'), target('10.0.0.1:443'))).toMatchObject({ allowed: true, rule: 'a' });
    expect(decideConnect(p, cn('bob'), target('x.example:443'), ['192.0.2.1', '2001:db8::1'])).toMatchObject({
      allowed: true,
      connectTo: ['192.0.2.1', '2001:db8::1'],
      reason: expect.not.stringContaining('192.0.2.1'),
    });
  });
});
