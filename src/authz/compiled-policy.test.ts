import { Metadata } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cn, identity } from '../../test/helpers/identities';
import { CompiledPolicy, defaultPolicy } from './compiled-policy';
import { describeDecision } from './decision';
import { parsePolicy } from './policy-file';

const compile = (yaml: string) => new CompiledPolicy(parsePolicy(yaml, 'test.yaml'));
// Compiled in a hook, not while the file loads: a mutant that breaks it fails tests instead of crashing the file.
let demo: CompiledPolicy;
beforeAll(() => {
  demo = new CompiledPolicy(parsePolicy(readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8'), 'policy.yaml'));
});

const KV = '/demo.v1.KeyValue';

describe('the demo policy (policy.yaml)', () => {
  const alice = cn('alice');
  const bob = cn('bob');

  it('lets alice (admin) call everything', () => {
    for (const m of [`${KV}/Put`, `${KV}/Delete`, `${KV}/Get`, '/demo.v1.Echo/Chat', '/anything.Else/Method']) {
      expect(demo.decide(alice, m)).toMatchObject({ allowed: true, rule: { name: 'admin-everything' } });
    }
  });

  it("denies bob's Put and Delete, naming his roles and the roles that may", () => {
    for (const m of [`${KV}/Put`, `${KV}/Delete`]) {
      const d = demo.decide(bob, m);
      expect(d.allowed).toBe(false);
      expect(describeDecision(d, bob)).toBe(`CN=bob (roles: reader) may not call ${m}: allowed roles are admin`);
    }
  });

  it('lets bob Get, Watch, WhoAmI, Echo/Say and reflection', () => {
    for (const m of [
      `${KV}/Get`,
      `${KV}/Watch`,
      '/certrpc.v1.Identity/WhoAmI',
      '/demo.v1.Echo/Say',
      '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
    ]) {
      expect(demo.decide(bob, m).allowed).toBe(true);
    }
    expect(demo.rolesOf(bob)).toEqual(['reader']);
  });

  it('lets any authenticated caller check health, and denies a role-less one anything else with a fix', () => {
    const stranger = cn('mallory');
    expect(demo.decide(stranger, '/grpc.health.v1.Health/Check').allowed).toBe(true);
    const d = demo.decide(stranger, `${KV}/Get`);
    expect(d).toMatchObject({ allowed: false, reason: 'no-roles' });
    expect(describeDecision(d, stranger)).toBe(
      `CN=mallory (no roles) may not call ${KV}/Get: this certificate matches no role in policy "demo"; allowed roles are admin, reader (ask the policy owner to grant one to CN=mallory)`,
    );
  });

  it('denies a method no rule names (deny by default)', () => {
    const d = demo.decide(bob, `${KV}/Nope`);
    expect(d).toMatchObject({ allowed: false, reason: 'role-not-allowed' });
    const d2 = compile('roles: {r: [{cn: bob}]}\nrules: [{roles: [r], methods: [/a.B/C]}]').decide(bob, '/a.B/D');
    expect(d2.reason).toBe('no-rule-for-method');
    expect(describeDecision(d2, bob)).toMatch(/no rule in policy "policy" allows this method/);
  });
});

describe('principals', () => {
  const policy = compile(`
roles:
  billing:
    - spiffe: "spiffe://corp/ns/billing/*"
  batch:
    - dns: "*.batch.corp"
  web:
    - uri: https://id.corp/web
  ops:
    - cn: "svc-*.prod"
    - email: ops@corp
rules:
  - roles: [billing, batch, web, ops]
    methods: ["/a.B/*"]
`);

  it('grants roles from a SPIFFE ID alone (no CN), with a wildcard', () => {
    const who = identity({ uris: ['spiffe://corp/ns/billing/sa/api'] });
    expect(policy.rolesOf(who)).toEqual(['billing']);
    expect(policy.decide(who, '/a.B/C').allowed).toBe(true);
    expect(policy.rolesOf(identity({ uris: ['spiffe://corp/ns/payroll/sa/api'] }))).toEqual([]);
  });

  it('grants roles from a DNS SAN alone, case-insensitively', () => {
    expect(policy.rolesOf(identity({ dnsNames: ['Worker-7.BATCH.corp'] }))).toEqual(['batch']);
    expect(policy.rolesOf(identity({ dnsNames: ['batch.corp'] }))).toEqual([]);
  });

  it('grants roles from a URI SAN, an email SAN and a CN wildcard', () => {
    expect(policy.rolesOf(identity({ uris: ['https://id.corp/web'] }))).toEqual(['web']);
    expect(policy.rolesOf(identity({ emails: ['ops@corp'] }))).toEqual(['ops']);
    expect(policy.rolesOf(cn('svc-db.prod'))).toEqual(['ops']);
    expect(policy.rolesOf(cn('svc-db.staging'))).toEqual([]);
  });

  it('explains which field and pattern granted each role', () => {
    const who = identity({ commonName: 'svc-db.prod', uris: ['spiffe://corp/ns/billing/x'] });
    expect(policy.grantsOf(who)).toEqual([
      { role: 'billing', field: 'spiffe', pattern: 'spiffe://corp/ns/billing/*', value: 'spiffe://corp/ns/billing/x' },
      { role: 'ops', field: 'cn', pattern: 'svc-*.prod', value: 'svc-db.prod' },
    ]);
  });
});

describe('certrpc YAML wildcards stay within a label or segment (issue 12 item 12)', () => {
  const policy = compile(`
roles:
  batch: [{ dns: "*.batch.corp" }]
  svc: [{ cn: "svc-*" }]
  team: [{ spiffe: "spiffe://corp/ns/*/sa/reader" }]
  mail: [{ email: "*@corp.com" }]
rules: [{ roles: [batch, svc, team, mail], methods: ["*"] }]
`);

  it('DNS: one label; CN: no "." or "/"; SPIFFE: one segment; email: any local part, one domain', () => {
    expect(policy.rolesOf(identity({ dnsNames: ['w1.batch.corp'] }))).toEqual(['batch']);
    expect(policy.rolesOf(identity({ dnsNames: ['evil.w1.batch.corp'] }))).toEqual([]);
    expect(policy.rolesOf(cn('svc-db'))).toEqual(['svc']);
    expect(policy.rolesOf(cn('svc-db.evil'))).toEqual([]);
    expect(policy.rolesOf(identity({ uris: ['spiffe://corp/ns/billing/sa/reader'] }))).toEqual(['team']);
    expect(policy.rolesOf(identity({ uris: ['spiffe://corp/ns/billing/x/sa/reader'] }))).toEqual([]);
    expect(policy.rolesOf(identity({ emails: ['first.last@corp.com'] }))).toEqual(['mail']);
    expect(policy.rolesOf(identity({ emails: ['a@evil.corp.com'] }))).toEqual([]);
  });
});

describe('principals bound to their issuing CA (issue 12 item 11)', () => {
  const DEMO = { subject: 'CN=certrpc demo CA', fingerprint: `AB:${'00:'.repeat(30)}01` };
  const TWIN = { subject: 'CN=certrpc demo CA', fingerprint: `CD:${'00:'.repeat(30)}02` };
  const policy = compile(`
roles:
  admin: [{ cn: alice, issuer: "CN=certrpc demo CA" }]
  root: [{ cn: "ali*", issuerFingerprint: "ab${'00'.repeat(30)}01" }]
rules: [{ roles: [admin, root], methods: ["*"] }]
`);

  it('matches only a certificate whose verified issuer is the one named (exact and wildcard principals)', () => {
    expect(policy.rolesOf(identity({ commonName: 'alice', issuingCa: DEMO }))).toEqual(['admin', 'root']);
    expect(policy.rolesOf(identity({ commonName: 'alice', issuingCa: TWIN }))).toEqual(['admin']);
    expect(policy.rolesOf(identity({ commonName: 'alice', issuingCa: { subject: 'CN=other', fingerprint: TWIN.fingerprint } }))).toEqual(
      [],
    );
    expect(policy.rolesOf(identity({ commonName: 'alice' }))).toEqual([]);
  });

  it('caches per certificate and issuer: the same certificate under another CA certificate is decided again', () => {
    const fp = 'SAME';
    expect(policy.rolesOf(identity({ commonName: 'alice', fingerprint: fp, issuingCa: DEMO }))).toEqual(['admin', 'root']);
    expect(policy.rolesOf(identity({ commonName: 'alice', fingerprint: fp, issuingCa: TWIN }))).toEqual(['admin']);
  });

  it('explains which binding held', () => {
    expect(policy.grantsOf(identity({ commonName: 'alice', issuingCa: DEMO }))).toEqual([
      { role: 'admin', field: 'cn', pattern: 'alice', value: 'alice', issuer: 'CN=certrpc demo CA' },
      { role: 'root', field: 'cn', pattern: 'ali*', value: 'alice', issuerFingerprint: DEMO.fingerprint },
    ]);
  });
});

describe('rules', () => {
  const policy = compile(`
roles:
  admin: [{cn: alice}]
  reader: [{cn: bob}]
rules:
  - name: admin-all
    roles: [admin]
    methods: ["*"]
  - name: readers
    roles: [reader]
    methods: ["/kv.Store/*"]
  - name: no-drop
    effect: deny
    roles: ["*"]
    methods: [/kv.Store/Drop]
  - name: tenant-acme
    roles: [reader]
    methods: [/billing.Invoices/List]
    headers:
      x-tenant: [acme, "beta-*"]
`);

  it('a deny rule beats an allow rule, even a later one over an earlier "*"', () => {
    const d = policy.decide(cn('alice'), '/kv.Store/Drop');
    expect(d).toMatchObject({ allowed: false, reason: 'denied-by-rule', rule: { name: 'no-drop' } });
    expect(describeDecision(d, cn('alice'))).toBe('CN=alice (roles: admin) may not call /kv.Store/Drop: denied by rule "no-drop"');
    expect(policy.decide(cn('bob'), '/kv.Store/Drop').allowed).toBe(false);
    expect(policy.decide(cn('bob'), '/kv.Store/Get').allowed).toBe(true);
  });

  it('a whole-service pattern covers only that service', () => {
    expect(policy.decide(cn('bob'), '/kv.Store/Anything').allowed).toBe(true);
    expect(policy.decide(cn('bob'), '/kv.Other/Get').allowed).toBe(false);
  });

  it('header conditions: all listed headers must match one of their values', () => {
    const md = (tenant?: string) => {
      const m = new Metadata();
      if (tenant) m.set('x-tenant', tenant);
      return m;
    };
    expect(policy.decide(cn('bob'), '/billing.Invoices/List', md('acme')).allowed).toBe(true);
    expect(policy.decide(cn('bob'), '/billing.Invoices/List', md('beta-7')).allowed).toBe(true);
    const d = policy.decide(cn('bob'), '/billing.Invoices/List', md('globex'));
    expect(d).toMatchObject({ allowed: false, reason: 'header-mismatch' });
    expect(describeDecision(d, cn('bob'))).toMatch(/requires header "x-tenant" matching acme or beta-\*/);
    expect(policy.decide(cn('bob'), '/billing.Invoices/List', md()).allowed).toBe(false);
  });

  it('caches roles per certificate fingerprint, per compiled policy', () => {
    const bob = cn('bob');
    expect(policy.rolesOf(bob)).toBe(policy.rolesOf(bob));
    expect(Object.isFrozen(policy.rolesOf(bob))).toBe(true);
    const next = compile('roles: {admin: [{cn: bob}]}\nrules: []');
    expect(next.rolesOf(bob)).toEqual(['admin']);
  });

  it('reuses one frozen decision per role list and method, never where a header condition decides', () => {
    const bob = cn('bob');
    const allowed = policy.decide(bob, '/kv.Store/Get');
    expect(policy.decide(bob, '/kv.Store/Get')).toBe(allowed);
    expect(Object.isFrozen(allowed)).toBe(true);
    expect(policy.decide(bob, '/kv.Store/Drop')).not.toBe(allowed);
    // The same role list and method, other headers: decided anew each time.
    const tenant = (t: string) => {
      const m = new Metadata();
      m.set('x-tenant', t);
      return m;
    };
    expect(policy.decide(bob, '/billing.Invoices/List', tenant('acme')).allowed).toBe(true);
    expect(policy.decide(bob, '/billing.Invoices/List', tenant('globex')).allowed).toBe(false);
    // A caller's own (unfrozen) role array is never a cache key.
    const roles = ['reader'];
    expect(policy.decideForRoles(roles, '/kv.Store/Get')).not.toBe(policy.decideForRoles(roles, '/kv.Store/Get'));
  });
});

describe('without a policy', () => {
  it('allows health checks and WhoAmI only, and says how to fix it', () => {
    const p = defaultPolicy();
    const bob = cn('bob');
    expect(p.decide(bob, '/grpc.health.v1.Health/Check').allowed).toBe(true);
    expect(p.decide(bob, '/certrpc.v1.Identity/WhoAmI').allowed).toBe(true);
    const d = p.decide(bob, `${KV}/Get`);
    expect(d.allowed).toBe(false);
    expect(describeDecision(d, bob)).toMatch(/runs without an authorization policy.*its operator must give it one/);
  });
});
