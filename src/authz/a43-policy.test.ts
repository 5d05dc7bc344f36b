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
  const yaml = load(join(__dirname, '..', '..', 'policy.yaml'));
  const a43 = load(join(fixtures, 'a43-demo.json'));
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
