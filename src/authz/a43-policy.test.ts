// gRFC A43's own example policy, byte for byte as the proposal prints it, gives the decisions the
// proposal describes; and an A43 translation of policy.yaml decides exactly as policy.yaml does.
import { Metadata } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { identity } from '../../test/helpers/identities';
import { CompiledPolicy } from './compiled-policy';
import { parsePolicy } from './policy-file';

const fixtures = join(__dirname, '..', '..', 'test', 'authz', 'fixtures');
const load = (file: string) => new CompiledPolicy(parsePolicy(readFileSync(file, 'utf8'), file));

describe('the A43 example policy', () => {
  const policy = load(join(fixtures, 'a43-example.json'));
  const admin1 = identity({ uris: ['spiffe://foo.com/sa/admin1'] });
  const someone = identity({ commonName: 'someone', dnsNames: ['someone.foo.com'] });
  const devPath = (value?: string) => {
    const m = new Metadata();
    if (value) m.set('dev-path', value);
    return m;
  };

  it('reads as an A43 policy with its audit condition defaulting to NONE', () => {
    expect(policy.model).toMatchObject({ name: 'example-policy', format: 'a43', audit: { mode: 'none' } });
  });

  it('lets the admins call anything in pkg.service', () => {
    expect(policy.decide(admin1, '/pkg.service/foo')).toMatchObject({ allowed: true, rule: { name: 'admin-access' } });
    expect(policy.decide(admin1, '/pkg.service/anything').allowed).toBe(true);
    expect(policy.decide(identity({ uris: ['spiffe://foo.com/sa/admin3'] }), '/pkg.service/anything').allowed).toBe(false);
  });

  it('lets any authenticated caller call foo and bar with the dev-path header only', () => {
    expect(policy.decide(someone, '/pkg.service/foo', devPath('/dev/path/x')).allowed).toBe(true);
    expect(policy.decide(someone, '/pkg.service/bar', devPath('/dev/path/')).allowed).toBe(true);
    expect(policy.decide(someone, '/pkg.service/foo', devPath('/prod/x')).allowed).toBe(false);
    expect(policy.decide(someone, '/pkg.service/foo').allowed).toBe(false);
    expect(policy.decide(someone, '/pkg.service/baz', devPath('/dev/path/x')).allowed).toBe(false);
  });

  it('denies "secret" to everyone, the admins included (deny rules first)', () => {
    expect(policy.decide(admin1, '/pkg.service/secret')).toMatchObject({ allowed: false, rule: { name: 'deny-access' } });
    expect(policy.decide(someone, '/other.service/secret', devPath('/dev/path/x')).allowed).toBe(false);
  });

  it('matches principals on URI SAN, then DNS SAN, then subject', () => {
    const p = load(join(fixtures, 'a43-demo.json'));
    expect(p.rolesOf(identity({ dnsNames: ['ops.certrpc.demo'] }))).toEqual(['admin']);
    expect(p.rolesOf(identity({ commonName: 'alice' }))).toEqual(['admin']);
  });
});

describe('an A43 policy equivalent to policy.yaml', () => {
  // Loaded in a hook, not while the file loads: a mutant that breaks them fails tests instead of crashing the file.
  let yaml: CompiledPolicy;
  let a43: CompiledPolicy;
  beforeAll(() => {
    yaml = load(join(__dirname, '..', '..', 'policy.yaml'));
    a43 = load(join(fixtures, 'a43-demo.json'));
  });
  const callers = {
    alice: identity({ commonName: 'alice', uris: ['spiffe://certrpc.demo/user/alice'] }),
    bob: identity({ commonName: 'bob', uris: ['spiffe://certrpc.demo/user/bob'] }),
    mallory: identity({ commonName: 'mallory' }),
  };
  const methods = [
    '/demo.v1.KeyValue/Get',
    '/demo.v1.KeyValue/Put',
    '/demo.v1.KeyValue/Delete',
    '/demo.v1.KeyValue/Watch',
    '/demo.v1.Echo/Say',
    '/demo.v1.Echo/Chat',
    '/certrpc.v1.Identity/WhoAmI',
    '/grpc.health.v1.Health/Check',
    '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
  ];

  it.each(Object.keys(callers))('decides every demo method the same for %s', (name) => {
    const who = callers[name as keyof typeof callers];
    for (const m of methods) expect([m, a43.decide(who, m).allowed]).toEqual([m, yaml.decide(who, m).allowed]);
  });
});

describe('A43 fidelity (issue 12 item 12)', () => {
  const a43 = (doc: object) => new CompiledPolicy(parsePolicy(JSON.stringify(doc), 'p.json'));
  const problemsOf = (doc: object) => {
    try {
      parsePolicy(JSON.stringify(doc), 'p.json');
    } catch (err) {
      return (err as { issues: { field?: string; message: string }[] }).issues;
    }
    return [];
  };

  it('deny and allow rules never share a role, whatever their names', () => {
    const p = a43({
      name: 'p',
      deny_rules: [{ name: 'x', source: { principals: ['spiffe://corp/bad'] }, request: { paths: ['/a.B/Drop'] } }],
      allow_rules: [{ name: 'deny:x', source: { principals: ['spiffe://corp/good'] } }],
    });
    const good = identity({ uris: ['spiffe://corp/good'] });
    const bad = identity({ uris: ['spiffe://corp/bad'] });
    expect(p.rolesOf(good)).toEqual(['deny:x']);
    expect(p.rolesOf(bad)).toEqual(['deny:x #2']);
    expect(p.decide(good, '/a.B/Drop').allowed).toBe(true);
    expect(p.decide(bad, '/a.B/Get').allowed).toBe(false);
    expect(p.model.roles.map((r) => [r.name, r.source?.line])).toEqual([
      ['deny:x #2', 1],
      ['deny:x', 1],
    ]);
  });

  it('"*" is only a whole value, a prefix or a suffix; elsewhere a literal character', () => {
    const p = a43({
      name: 'p',
      allow_rules: [{ name: 'r', source: { principals: ['spiffe://corp/*/reader'] }, request: { paths: ['/a.*/Get', '/b.B/*'] } }],
    });
    expect(p.rolesOf(identity({ uris: ['spiffe://corp/x/reader'] }))).toEqual([]);
    expect(p.rolesOf(identity({ uris: ['spiffe://corp/*/reader'] }))).toEqual(['r']);
    const who = identity({ uris: ['spiffe://corp/*/reader'] });
    expect(p.decide(who, '/a.B/Get').allowed).toBe(false);
    expect(p.decide(who, '/a.*/Get').allowed).toBe(true);
    // A prefix crosses "/" as A43 prefixes do.
    expect(p.decide(who, '/b.B/Get').allowed).toBe(true);
  });

  it('principals compare case-sensitively, DNS SANs included, and fall through URI, DNS, subject', () => {
    const p = a43({ name: 'p', allow_rules: [{ name: 'r', source: { principals: ['*.corp', 'CN=alice'] } }] });
    expect(p.rolesOf(identity({ dnsNames: ['db.corp'] }))).toEqual(['r']);
    expect(p.rolesOf(identity({ dnsNames: ['db.CORP'] }))).toEqual([]);
    // The A43 text: no URI SAN matched, so DNS SANs, then the subject are tried.
    expect(p.rolesOf(identity({ uris: ['spiffe://corp/x'], commonName: 'alice' }))).toEqual(['r']);
  });

  it('binary (-bin) header keys are allowed and matched byte for byte; headers grpc-js consumes are refused', () => {
    const p = a43({ name: 'p', allow_rules: [{ name: 'r', request: { headers: [{ key: 'x-token-bin', values: ['é*'] }] } }] });
    const m = (bytes: number[]) => {
      const md = new Metadata();
      md.set('x-token-bin', Buffer.from(bytes));
      return md;
    };
    expect(p.decide(identity(), '/a.B/C', m([0xc3, 0xa9, 0x01])).allowed).toBe(true);
    expect(p.decide(identity(), '/a.B/C', m([0xe9, 0x01])).allowed).toBe(false);
    expect(problemsOf({ name: 'p', allow_rules: [{ name: 'r', request: { headers: [{ key: 'Content-Type', values: ['*'] }] } }] })).toEqual(
      [expect.objectContaining({ field: 'allow_rules[0].request.headers[0].key', message: expect.stringMatching(/consumed by grpc-js/) })],
    );
    expect(problemsOf({ name: 'p', allow_rules: [{ name: 'r', request: { headers: [{ key: 'host', values: ['*'] }] } }] })).toHaveLength(1);
  });
});
