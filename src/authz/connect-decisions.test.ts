// What a connect decision carries besides allowed/denied: the addresses it was made on and may use,
// and a reason that names who, the rule, the addresses used and, on a denial, which roles may.
import { cn } from '../../test/helpers/identities';
import { CompiledPolicy } from './compiled-policy';
import { connectPatternProblem, decideConnect, parseConnectTarget, ConnectTarget } from './connect-rules';
import { parsePolicy } from './policy-file';

const compile = (yaml: string) => new CompiledPolicy(parsePolicy(yaml, 'test.yaml'));
const target = (text: string) => parseConnectTarget(text) as ConnectTarget;

describe('connect decisions: addresses and reasons', () => {
  let policy: CompiledPolicy;
  beforeAll(() => {
    policy = compile(`
roles:
  ops: [{ cn: alice }, { cn: carol }]
  dev: [{ cn: bob }, { cn: carol }]
  contractor: [{ cn: dave }]
  audit: [{ cn: erin }]
rules:
  - { name: no-lab, effect: deny, roles: [contractor], connect: ["10.7.0.0/16:*", "lab.internal:*"] }
  - { name: no-db, effect: deny, roles: ["*"], connect: ["10.9.0.0/16:*"] }
  - { name: ops-lab, roles: [ops], connect: ["192.0.2.99:1", "10.7.0.0/16:22", "lab.internal:22"] }
  - { name: dev-kv, roles: [dev], connect: ["kv.internal:50051", "10.1.0.0/16:50051"] }
  - { name: audit-names, roles: [audit], connect: ["*.audit.internal:443"] }
`);
  });

  it('a target that is not canonical is refused on no address at all', () => {
    expect(decideConnect(policy, cn('alice'), { host: '0177.0.0.1', port: 22 })).toEqual({
      allowed: false,
      target: '0177.0.0.1:22',
      roles: ['ops'],
      reason: expect.stringMatching(/^CN=alice \(roles: ops\) may not open a tunnel: .*0177\.0\.0\.1/),
      resolved: [],
      connectTo: [],
    });
  });

  it('names every role of the caller', () => {
    expect(decideConnect(policy, cn('carol'), target('192.0.2.1:9')).reason).toMatch(/^CN=carol \(roles: ops, dev\) may not/);
  });

  it('a name that resolved to no address, or to nothing that is an address, is denied and connects nowhere', () => {
    for (const addresses of [[], ['fe80::1%eth0'], ['not an address']]) {
      expect(decideConnect(policy, cn('bob'), target('kv.internal:50051'), addresses)).toMatchObject({
        allowed: false,
        resolved: [],
        connectTo: [],
        reason: expect.stringMatching(/no address/),
      });
    }
  });

  it('a name whose decision waits for its addresses says so, and is not allowed yet', () => {
    const d = decideConnect(policy, cn('bob'), target('kv.internal:50051'));
    expect(d).toMatchObject({ allowed: false, needsAddresses: true, connectTo: [] });
    expect(d.reason).toMatch(/^CN=bob \(roles: dev\) may not open a tunnel to kv\.internal:50051: .*resolved/);
  });

  it('a denial by an address rule names the address for a name target, and only the target for an IP target', () => {
    expect(decideConnect(policy, cn('bob'), target('10.9.0.1:50051')).reason).toMatch(/to 10\.9\.0\.1:50051: denied by rule "no-db"$/);
    expect(decideConnect(policy, cn('bob'), target('kv.internal:50051'), ['10.9.0.1']).reason).toMatch(
      /to kv\.internal:50051 \(resolves to 10\.9\.0\.1\): denied by rule "no-db" for 10\.9\.0\.1$/,
    );
  });

  it('an allow names its rule, and the addresses it allowed when a name was allowed by address', () => {
    expect(decideConnect(policy, cn('bob'), target('10.1.0.7:50051'))).toMatchObject({
      allowed: true,
      rule: 'dev-kv',
      reason: expect.stringMatching(/^allowed by rule "dev-kv"$/),
    });
    expect(decideConnect(policy, cn('bob'), target('x.example:50051'), ['10.1.0.7', '192.0.2.1', '10.1.0.8'])).toMatchObject({
      allowed: true,
      rule: 'dev-kv',
      connectTo: ['10.1.0.7', '10.1.0.8'],
      reason: expect.stringMatching(/^allowed by rule "dev-kv" for 10\.1\.0\.7, 10\.1\.0\.8$/),
    });
    expect(decideConnect(policy, cn('bob'), target('kv.internal:50051'), ['192.0.2.1']).reason).toMatch(/^allowed by rule "dev-kv"$/);
  });

  describe('a denial says which roles could open the tunnel: those of the allow rules that match it, nothing else', () => {
    const rolesIn = (reason: string) => /allowed for roles (.*)$/.exec(reason)?.[1].split(', ') ?? [];

    it('an IP target: the roles of every allow rule with a matching pattern (not only its first), never a deny rule', () => {
      const d = decideConnect(policy, cn('bob'), target('10.7.0.1:22'));
      expect(d.allowed).toBe(false);
      expect(rolesIn(d.reason)).toEqual(['ops']);
    });

    it('a name target before its lookup: the roles allowed by its name', () => {
      const d = decideConnect(policy, cn('erin'), target('lab.internal:22'));
      expect(d).toMatchObject({ allowed: false });
      expect(d.needsAddresses).toBeUndefined();
      expect(rolesIn(d.reason)).toEqual(['ops']);
    });

    it('a name target after its lookup: the roles allowed by its name or by any of its addresses', () => {
      const d = decideConnect(policy, cn('erin'), target('jump.audit.internal:22'), ['192.0.2.5', '10.7.3.3']);
      expect(rolesIn(d.reason)).toEqual(['ops']);
      expect(d.reason).toMatch(
        /^CN=erin \(roles: audit\) may not open a tunnel to jump\.audit\.internal:22 \(resolves to 192\.0\.2\.5, 10\.7\.3\.3\)/,
      );
    });

    it('several roles, each once; never by a name pattern for an address; no hint when no rule allows the target, naming it instead', () => {
      const two = compile(`
roles: { a: [{ cn: x }], b: [{ cn: y }], c: [{ cn: z }], d: [{ cn: w }] }
rules:
  - { roles: [a, b], connect: ["10.0.0.1:1"] }
  - { roles: [b, c], connect: ["10.0.0.0/8:1"] }
  - { roles: [d], connect: ["*a:1"] }
`);
      expect(rolesIn(decideConnect(two, cn('nobody'), target('10.0.0.1:1')).reason)).toEqual(['a', 'b', 'c']);
      expect(rolesIn(decideConnect(two, cn('x'), target('n.internal:1'), ['10.1.1.1']).reason)).toEqual(['b', 'c']);
      expect(rolesIn(decideConnect(two, cn('nobody'), target('data:1'), ['2001:db8::1']).reason)).toEqual(['d']);
      const none = decideConnect(two, cn('nobody'), target('[fd00::a]:1')).reason;
      expect(none).not.toMatch(/allowed for roles/);
      expect(none).toMatch(/\[fd00::a\]:1$/);
    });
  });

  it('a pattern that is not HOST:PORT is refused with examples that are themselves valid patterns', () => {
    const problem = connectPatternProblem('10.0.0.5') ?? '';
    const examples = [...problem.matchAll(/"([^"]+)"/g)].map((m) => m[1]).filter((e) => e !== '10.0.0.5');
    expect(examples.length).toBeGreaterThanOrEqual(3);
    expect(examples.map((e) => ({ e, problem: connectPatternProblem(e) }))).toEqual(examples.map((e) => ({ e, problem: undefined })));
  });
});
