import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cn } from '../../test/helpers/identities';
import { CompiledPolicy } from './compiled-policy';
import { connectPatternProblem, decideConnect, parseConnectTarget, ConnectTarget } from './connect-rules';
import { parsePolicy } from './policy-file';

// Policies are compiled inside hooks and tests, never while the file loads: a policy that fails to
// compile then fails tests (a killed mutant) instead of crashing the file (a "runtime error").
const compile = (yaml: string) => new CompiledPolicy(parsePolicy(yaml, 'test.yaml'));
const demo = () => new CompiledPolicy(parsePolicy(readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8'), 'policy.yaml'));
const target = (text: string) => parseConnectTarget(text) as ConnectTarget;

describe('connect targets and patterns', () => {
  it('parses authority-form targets into canonical form and refuses anything else', () => {
    expect(parseConnectTarget('10.0.0.5:50051')).toEqual({ host: '10.0.0.5', port: 50051, kind: 'ip' });
    expect(parseConnectTarget('KV.Internal.:443')).toEqual({ host: 'kv.internal', port: 443, kind: 'name' });
    expect(parseConnectTarget('[0:0::1]:8443')).toEqual({ host: '::1', port: 8443, kind: 'ip' });
    for (const bad of [
      '10.0.0.5',
      'http://x:1',
      'x:0',
      'x:70000',
      '[nope]:1',
      'a b:1',
      '/etc/passwd:1',
      ':80',
      '127.1:80',
      'u@x:1',
      'x:080',
    ]) {
      expect(parseConnectTarget(bad)).toHaveProperty('problem');
    }
  });

  it('validates patterns with a message that shows the right form, in canonical spellings only', () => {
    for (const ok of [
      '*',
      '10.0.0.5:50051',
      '*.internal:*',
      '10.0.0.*:50051',
      '10.0.0.0/24:443',
      '[fd00::/8]:*',
      '[::1]:1',
      '[0:0::1]:*',
      '[::ffff:10.0.0.0/104]:*',
      'LocalHost.:1',
      '*:443',
    ]) {
      expect({ ok, problem: connectPatternProblem(ok) }).toEqual({ ok, problem: undefined });
    }
    expect(connectPatternProblem('10.0.0.5')).toMatch(/is not HOST:PORT/);
    expect(connectPatternProblem('x:99999')).toMatch(/port must be 1-65535/);
    expect(connectPatternProblem('10.0.0.0/33:1')).toMatch(/not a CIDR block/);
    expect(connectPatternProblem('[zz]:1')).toMatch(/not an IPv6 address/);
    expect(connectPatternProblem('127.1:*')).toBe(
      '"127.1:*": "127.1" is not a canonical IPv4 address (it would mean 127.0.0.1): write the address as four decimal numbers, e.g. 127.0.0.1',
    );
    expect(connectPatternProblem('0x7f000001:*')).toMatch(/not a canonical IPv4 address/);
    expect(connectPatternProblem('127.1/8:*')).toMatch(/not a CIDR block/);
    expect(connectPatternProblem('*.example.123:*')).toMatch(/ends in a number/);
    expect(connectPatternProblem('*.123:*')).toBeUndefined(); // an IPv4 wildcard: addresses ending in .123
    expect(connectPatternProblem('[fe80::1%eth0]:*')).toMatch(/has %, @/);
    expect(connectPatternProblem('[::/0]:*')).toBeUndefined();
    expect(connectPatternProblem('[::ffff:0:0/80]:*')).toMatch(/mixes IPv4-mapped and other IPv6 addresses/);
  });
});

describe('decideConnect', () => {
  let policy: CompiledPolicy;
  beforeAll(() => {
    policy = compile(`
roles:
  ops: [{ cn: alice }]
  dev: [{ cn: bob }]
rules:
  - name: no-db
    effect: deny
    roles: ["*"]
    connect: ["db.internal:*", "10.9.0.0/16:*"]
  - name: ops-anywhere
    roles: [ops]
    connect: ["*"]
  - name: dev-kv
    roles: [dev]
    connect: ["kv.internal:50051", "10.1.0.0/16:50051", "*.dev.internal:*", "10.0.0.*:7000"]
  - name: calls
    roles: [dev]
    methods: ["*"]
`);
  });

  it('allows by role and pattern: exact, CIDR, wildcard host and port', () => {
    for (const [t, addresses] of [
      ['kv.internal:50051', ['192.0.2.1']],
      ['10.1.2.3:50051', undefined],
      ['a.dev.internal:9', ['192.0.2.2']],
      ['10.0.0.42:7000', undefined],
    ] as const) {
      expect(decideConnect(policy, cn('bob'), target(t), addresses)).toMatchObject({ allowed: true, rule: 'dev-kv' });
    }
    expect(decideConnect(policy, cn('alice'), target('anything.example:1'), ['192.0.2.3'])).toMatchObject({
      allowed: true,
      rule: 'ops-anywhere',
      connectTo: ['192.0.2.3'],
    });
  });

  it('a name is decided on its name first; it asks for its addresses only when they can matter', () => {
    // Allowed by name: the addresses are still needed (deny rules on addresses, and where to connect).
    expect(decideConnect(policy, cn('bob'), target('kv.internal:50051'))).toMatchObject({ allowed: false, needsAddresses: true });
    // Denied by name: no lookup.
    expect(decideConnect(policy, cn('alice'), target('db.internal:5432'))).toMatchObject({ allowed: false, rule: 'no-db' });
    expect(decideConnect(policy, cn('alice'), target('db.internal:5432')).needsAddresses).toBeUndefined();
    // No rule could allow bob anything on port 22, by name or address: no lookup either.
    expect(decideConnect(policy, cn('bob'), target('x.example:22')).needsAddresses).toBeUndefined();
    // Port 50051 has an address rule for bob: the name must be resolved to know.
    expect(decideConnect(policy, cn('bob'), target('x.example:50051')).needsAddresses).toBe(true);
  });

  it('a deny rule on addresses catches a name resolving to any of them; an allow on a name is not undone by its resolution', () => {
    expect(decideConnect(policy, cn('alice'), target('innocent.example:443'), ['192.0.2.9', '10.9.1.1'])).toMatchObject({
      allowed: false,
      rule: 'no-db',
      reason:
        'CN=alice (roles: ops) may not open a tunnel to innocent.example:443 (resolves to 192.0.2.9, 10.9.1.1): denied by rule "no-db" for 10.9.1.1',
    });
    // IPv4-mapped answers are the IPv4 address.
    expect(decideConnect(policy, cn('alice'), target('innocent.example:443'), ['::ffff:10.9.0.1'])).toMatchObject({
      allowed: false,
      rule: 'no-db',
      resolved: ['10.9.0.1'],
    });
    expect(decideConnect(policy, cn('bob'), target('kv.internal:50051'), ['192.0.2.1', '2001:db8::1'])).toMatchObject({
      allowed: true,
      connectTo: ['192.0.2.1', '2001:db8::1'],
    });
  });

  it('a name allowed by the addresses it resolves to connects to those addresses only', () => {
    expect(decideConnect(policy, cn('bob'), target('x.example:50051'), ['192.0.2.1', '10.1.0.7'])).toMatchObject({
      allowed: true,
      rule: 'dev-kv',
      connectTo: ['10.1.0.7'],
      resolved: ['192.0.2.1', '10.1.0.7'],
    });
    expect(decideConnect(policy, cn('bob'), target('x.example:50051'), ['192.0.2.1'])).toMatchObject({ allowed: false, connectTo: [] });
  });

  it('an IPv4 wildcard matches addresses, never names that merely start like one', () => {
    expect(decideConnect(policy, cn('bob'), target('10.0.0.attacker.example:7000'), ['127.0.0.1'])).toMatchObject({ allowed: false });
    expect(decideConnect(policy, cn('bob'), target('10.0.0.attacker.example:7000'), ['10.0.0.3'])).toMatchObject({
      allowed: true,
      connectTo: ['10.0.0.3'],
    });
  });

  it('never connects to the unspecified address, however it is reached', () => {
    expect(decideConnect(policy, cn('alice'), target('zero.example:80'), ['0.0.0.0'])).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('resolves to 0.0.0.0, the unspecified address'),
    });
    expect(decideConnect(policy, cn('alice'), target('zero.example:80'), ['::'])).toMatchObject({ allowed: false });
    expect(decideConnect(policy, cn('alice'), { host: '0.0.0.0', port: 80 })).toMatchObject({ allowed: false });
  });

  it('a target object from a library caller is made canonical, or refused', () => {
    expect(decideConnect(policy, cn('alice'), { host: '0x7f000001', port: 80 })).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('not a canonical IPv4 address'),
    });
    expect(decideConnect(policy, cn('alice'), { host: '::ffff:10.9.0.1', port: 80 })).toMatchObject({
      allowed: false,
      rule: 'no-db',
      target: '10.9.0.1:80',
    });
  });

  it('patterns are matched in canonical form, however they are written', () => {
    const p = compile(
      'roles: { r: [{ cn: bob }] }\nrules:\n  - { roles: [r], connect: ["[0:0:0:0:0:0:0:1]:*", "LocalHost.:8080", "[::ffff:127.0.0.0/104]:9"] }\n',
    );
    expect(decideConnect(p, cn('bob'), target('[::1]:1'))).toMatchObject({ allowed: true, connectTo: ['::1'] });
    expect(decideConnect(p, cn('bob'), target('LOCALHOST.:8080'), ['127.0.0.1'])).toMatchObject({
      allowed: true,
      target: 'localhost:8080',
    });
    expect(decideConnect(p, cn('bob'), target('[::ffff:127.0.0.5]:9'))).toMatchObject({ allowed: true, target: '127.0.0.5:9' });
    expect(decideConnect(p, cn('bob'), target('127.0.0.5:9'))).toMatchObject({ allowed: true });
  });

  it('denies what no rule allows, naming who, the roles and who may', () => {
    expect(decideConnect(policy, cn('bob'), target('10.2.0.1:50051')).reason).toBe(
      'CN=bob (roles: dev) may not open a tunnel to 10.2.0.1:50051: tunnels there are allowed for roles ops',
    );
    expect(decideConnect(policy, cn('bob'), target('kv.internal:22'))).toMatchObject({ allowed: false });
    expect(decideConnect(policy, cn('mallory'), target('kv.internal:50051')).reason).toMatch(
      /^CN=mallory \(roles: none\) may not open a tunnel/,
    );
  });

  it('lets a deny rule win over an allow rule', () => {
    expect(decideConnect(policy, cn('alice'), target('db.internal:5432'))).toEqual({
      allowed: false,
      target: 'db.internal:5432',
      roles: ['ops'],
      rule: 'no-db',
      reason: 'CN=alice (roles: ops) may not open a tunnel to db.internal:5432: denied by rule "no-db"',
      resolved: [],
      connectTo: [],
    });
  });

  it('a policy without connect rules allows no tunnel, and says so', () => {
    const onlyCalls = compile('roles: { r: [{ cn: bob }] }\nrules: [{ roles: [r], methods: ["*"] }]\n');
    expect(decideConnect(onlyCalls, cn('bob'), target('kv.internal:50051')).reason).toMatch(
      /has no connect rules, so this proxy allows no tunnels/,
    );
  });

  it('connect rules never decide gRPC calls, and the demo policy lets admin (alice) tunnel anywhere, not bob', () => {
    expect(policy.decide(cn('alice'), '/demo.v1.KeyValue/Get').allowed).toBe(false);
    expect(decideConnect(demo(), cn('alice'), target('10.0.0.5:50051'))).toMatchObject({ allowed: true, rule: 'admin-tunnels' });
    expect(decideConnect(demo(), cn('bob'), target('10.0.0.5:50051')).allowed).toBe(false);
  });

  it('refuses header conditions on a connect rule', () => {
    expect(() => compile('roles: { r: [{ cn: bob }] }\nrules: [{ roles: [r], connect: ["*"], headers: { x: y } }]\n')).toThrow(
      /header conditions apply to method rules only/,
    );
  });
});
