import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cn } from '../../test/helpers/identities';
import { CompiledPolicy } from './compiled-policy';
import { connectPatternProblem, decideConnect, parseConnectTarget, ConnectTarget } from './connect-rules';
import { parsePolicy } from './policy-file';

const compile = (yaml: string) => new CompiledPolicy(parsePolicy(yaml, 'test.yaml'));
const demo = new CompiledPolicy(parsePolicy(readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8'), 'policy.yaml'));
const target = (text: string) => parseConnectTarget(text) as ConnectTarget;

describe('connect targets and patterns', () => {
  it('parses authority-form targets and refuses anything else', () => {
    expect(parseConnectTarget('10.0.0.5:50051')).toEqual({ host: '10.0.0.5', port: 50051 });
    expect(parseConnectTarget('KV.Internal:443')).toEqual({ host: 'kv.internal', port: 443 });
    expect(parseConnectTarget('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    for (const bad of ['10.0.0.5', 'http://x:1', 'x:0', 'x:70000', '[nope]:1', 'a b:1', '/etc/passwd:1', ':80']) {
      expect(parseConnectTarget(bad)).toHaveProperty('problem');
    }
  });

  it('validates patterns with a message that shows the right form', () => {
    for (const ok of ['*', '10.0.0.5:50051', '*.internal:*', '10.0.0.*:50051', '10.0.0.0/24:443', '[fd00::/8]:*', '[::1]:1']) expect(connectPatternProblem(ok)).toBeUndefined();
    expect(connectPatternProblem('10.0.0.5')).toMatch(/is not HOST:PORT/);
    expect(connectPatternProblem('x:99999')).toMatch(/port must be 1-65535/);
    expect(connectPatternProblem('10.0.0.0/33:1')).toMatch(/not a CIDR block/);
    expect(connectPatternProblem('[zz]:1')).toMatch(/not an IPv6 address/);
  });
});

describe('decideConnect', () => {
  const policy = compile(`
roles:
  ops: [{ cn: alice }]
  dev: [{ cn: bob }]
rules:
  - name: no-db
    effect: deny
    roles: ["*"]
    connect: ["db.internal:*"]
  - name: ops-anywhere
    roles: [ops]
    connect: ["*"]
  - name: dev-kv
    roles: [dev]
    connect: ["kv.internal:50051", "10.1.0.0/16:50051", "*.dev.internal:*"]
  - name: calls
    roles: [dev]
    methods: ["*"]
`);

  it('allows by role and pattern: exact, CIDR, wildcard host and port', () => {
    for (const t of ['kv.internal:50051', '10.1.2.3:50051', 'a.dev.internal:9']) expect(decideConnect(policy, cn('bob'), target(t))).toMatchObject({ allowed: true, rule: 'dev-kv' });
    expect(decideConnect(policy, cn('alice'), target('anything.example:1'))).toMatchObject({ allowed: true, rule: 'ops-anywhere' });
  });

  it('denies what no rule allows, naming who, the roles and who may', () => {
    expect(decideConnect(policy, cn('bob'), target('10.2.0.1:50051')).reason).toBe('CN=bob (roles: dev) may not open a tunnel to 10.2.0.1:50051: tunnels there are allowed for roles ops');
    expect(decideConnect(policy, cn('bob'), target('kv.internal:22'))).toMatchObject({ allowed: false });
    expect(decideConnect(policy, cn('mallory'), target('kv.internal:50051')).reason).toMatch(/^CN=mallory \(roles: none\) may not open a tunnel/);
  });

  it('lets a deny rule win over an allow rule', () => {
    expect(decideConnect(policy, cn('alice'), target('db.internal:5432'))).toEqual({
      allowed: false,
      target: 'db.internal:5432',
      roles: ['ops'],
      rule: 'no-db',
      reason: 'CN=alice (roles: ops) may not open a tunnel to db.internal:5432: denied by rule "no-db"',
    });
  });

  it('a policy without connect rules allows no tunnel, and says so', () => {
    const onlyCalls = compile('roles: { r: [{ cn: bob }] }\nrules: [{ roles: [r], methods: ["*"] }]\n');
    expect(decideConnect(onlyCalls, cn('bob'), target('kv.internal:50051')).reason).toMatch(/has no connect rules, so this proxy allows no tunnels/);
  });

  it('connect rules never decide gRPC calls, and the demo policy lets admin (alice) tunnel anywhere, not bob', () => {
    expect(policy.decide(cn('alice'), '/demo.v1.KeyValue/Get').allowed).toBe(false);
    expect(decideConnect(demo, cn('alice'), target('10.0.0.5:50051'))).toMatchObject({ allowed: true, rule: 'admin-tunnels' });
    expect(decideConnect(demo, cn('bob'), target('10.0.0.5:50051')).allowed).toBe(false);
  });

  it('refuses header conditions on a connect rule', () => {
    expect(() => compile('roles: { r: [{ cn: bob }] }\nrules: [{ roles: [r], connect: ["*"], headers: { x: y } }]\n')).toThrow(/header conditions apply to method rules only/);
  });
});
