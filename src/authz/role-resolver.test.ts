// Which roles a certificate holds: the case rules per field, the A43 syntax, the per-fingerprint cache.
import { cn, identity } from '../../test/helpers/identities';
import { CompiledPolicy } from './compiled-policy';
import { parsePolicy } from './policy-file';
import { RoleResolver } from './role-resolver';

const compile = (yaml: string) => new CompiledPolicy(parsePolicy(yaml, 'test.yaml'));

describe('certrpc YAML: only DNS names compare case-insensitively', () => {
  const policy = compile(`
roles:
  exact-cn: [{ cn: Alice }]
  wild-cn: [{ cn: "Svc-*" }]
  exact-email: [{ email: Ops@Corp.com }]
  wild-email: [{ email: "*@Corp.com" }]
  exact-spiffe: [{ spiffe: spiffe://corp/ns/Billing/sa/api }]
  wild-spiffe: [{ spiffe: "spiffe://corp/ns/Billing/*" }]
  exact-uri: [{ uri: https://id.corp/Web }]
  exact-dns: [{ dns: DB.Corp }]
  wild-dns: [{ dns: "*.Batch.Corp" }]
rules: [{ roles: [exact-cn, wild-cn, exact-email, wild-email, exact-spiffe, wild-spiffe, exact-uri, exact-dns, wild-dns], methods: ["*"] }]
`);

  it('CN, email, SPIFFE ID and URI match only as written (exact and wildcard patterns)', () => {
    expect(policy.rolesOf(cn('Alice'))).toEqual(['exact-cn']);
    expect(policy.rolesOf(cn('alice'))).toEqual([]);
    expect(policy.rolesOf(cn('ALICE'))).toEqual([]);
    expect(policy.rolesOf(cn('Svc-db'))).toEqual(['wild-cn']);
    expect(policy.rolesOf(cn('svc-db'))).toEqual([]);
    expect(policy.rolesOf(identity({ emails: ['Ops@Corp.com'] }))).toEqual(['exact-email', 'wild-email']);
    expect(policy.rolesOf(identity({ emails: ['ops@corp.com'] }))).toEqual([]);
    expect(policy.rolesOf(identity({ emails: ['x@corp.com'] }))).toEqual([]);
    expect(policy.rolesOf(identity({ uris: ['spiffe://corp/ns/Billing/sa/api'] }))).toEqual(['exact-spiffe', 'wild-spiffe']);
    expect(policy.rolesOf(identity({ uris: ['spiffe://corp/ns/billing/sa/api'] }))).toEqual([]);
    expect(policy.rolesOf(identity({ uris: ['spiffe://corp/ns/billing/sa/other'] }))).toEqual([]);
    expect(policy.rolesOf(identity({ uris: ['https://id.corp/Web'] }))).toEqual(['exact-uri']);
    expect(policy.rolesOf(identity({ uris: ['https://id.corp/web'] }))).toEqual([]);
  });

  it('DNS names match whatever their case, exact and wildcard', () => {
    expect(policy.rolesOf(identity({ dnsNames: ['db.corp'] }))).toEqual(['exact-dns']);
    expect(policy.rolesOf(identity({ dnsNames: ['DB.CORP'] }))).toEqual(['exact-dns']);
    expect(policy.rolesOf(identity({ dnsNames: ['w1.batch.corp'] }))).toEqual(['wild-dns']);
    expect(policy.rolesOf(identity({ dnsNames: ['W1.BATCH.CORP'] }))).toEqual(['wild-dns']);
  });

  it('a value of one field never matches a pattern of another', () => {
    expect(policy.rolesOf(identity({ dnsNames: ['Alice'], emails: ['Alice'], uris: ['Alice'] }))).toEqual([]);
    expect(policy.rolesOf(identity({ commonName: 'DB.Corp' }))).toEqual([]);
    expect(policy.rolesOf(identity({ commonName: 'Ops@Corp.com', uris: ['Ops@Corp.com'] }))).toEqual([]);
  });
});

describe('RoleResolver', () => {
  it('a SPIFFE principal reads the SPIFFE ID only (not any URI, not a second spiffe URI)', () => {
    const r = new RoleResolver([{ name: 's', principals: [{ field: 'spiffe', pattern: 'spiffe://corp/a' }] }]);
    expect(r.rolesOf(identity({ uris: ['spiffe://corp/a'] }))).toEqual(['s']);
    expect(r.rolesOf(identity({ uris: ['spiffe://corp/a', 'spiffe://corp/b'] }))).toEqual([]);
  });

  it('a subject principal reads the RFC 4514 subject; a certificate without one matches none', () => {
    const r = new RoleResolver([{ name: 'subj', principals: [{ field: 'subject', pattern: 'CN=alice,O=Acme' }] }], 'a43');
    expect(r.rolesOf(identity({ commonName: 'alice', subject: 'CN=alice,O=Acme' }))).toEqual(['subj']);
    expect(r.rolesOf(identity({ commonName: 'alice', subject: 'CN=alice,O=acme' }))).toEqual([]);
    expect(r.rolesOf({ ...identity({ commonName: 'alice' }), subject: undefined })).toEqual([]);
  });

  it('gRFC A43 syntax: DNS compares as written too, and a prefix pattern is anchored at the start', () => {
    const r = new RoleResolver(
      [
        { name: 'dns', principals: [{ field: 'dns', pattern: 'DB.corp' }] },
        { name: 'prefix', principals: [{ field: 'uri', pattern: 'spiffe://corp/*' }] },
      ],
      'a43',
    );
    expect(r.rolesOf(identity({ dnsNames: ['DB.corp'] }))).toEqual(['dns']);
    expect(r.rolesOf(identity({ dnsNames: ['db.corp'] }))).toEqual([]);
    expect(r.rolesOf(identity({ uris: ['spiffe://corp/a/b'] }))).toEqual(['prefix']);
    expect(r.rolesOf(identity({ uris: ['x-spiffe://corp/a'] }))).toEqual([]);
  });

  it('a wildcard never matches a field the certificate does not have (no CN, no SPIFFE ID, no subject)', () => {
    const r = new RoleResolver(
      [
        { name: 'any-cn', principals: [{ field: 'cn', pattern: '*' }] },
        { name: 'any-spiffe', principals: [{ field: 'spiffe', pattern: 'spiffe://*' }] },
        { name: 'any-subject', principals: [{ field: 'subject', pattern: '*' }] },
        { name: 'any-spiffe-at-all', principals: [{ field: 'spiffe', pattern: '*' }] },
      ],
      'glob',
    );
    expect(r.rolesOf({ ...identity({ dnsNames: ['a.corp'] }), subject: undefined })).toEqual([]);
    expect(r.rolesOf(identity({ commonName: 'x', uris: ['spiffe://corp'] }))).toEqual([
      'any-cn',
      'any-spiffe',
      'any-subject',
      'any-spiffe-at-all',
    ]);
  });

  it('roles come in policy order, once each, frozen; grants list every matching pattern', () => {
    const r = new RoleResolver([
      { name: 'first', principals: [{ field: 'cn', pattern: 'svc-*' }] },
      {
        name: 'second',
        principals: [
          { field: 'cn', pattern: 'svc-a' },
          { field: 'dns', pattern: 'a.corp' },
        ],
      },
    ]);
    const who = identity({ commonName: 'svc-a', dnsNames: ['a.corp'] });
    const roles = r.rolesOf(who);
    expect(roles).toEqual(['first', 'second']);
    expect(Object.isFrozen(roles)).toBe(true);
    expect(r.grants(who)).toStrictEqual([
      { role: 'first', field: 'cn', pattern: 'svc-*', value: 'svc-a' },
      { role: 'second', field: 'cn', pattern: 'svc-a', value: 'svc-a' },
      { role: 'second', field: 'dns', pattern: 'a.corp', value: 'a.corp' },
    ]);
  });

  it('caches per certificate fingerprint: two certificates with one CN but different SANs keep their own roles', () => {
    const r = new RoleResolver([{ name: 'web', principals: [{ field: 'dns', pattern: 'web.corp' }] }]);
    const withSan = identity({ commonName: 'svc', dnsNames: ['web.corp'] });
    const without = identity({ commonName: 'svc' });
    expect(r.rolesOf(withSan)).toEqual(['web']);
    expect(r.rolesOf(without)).toEqual([]);
    const first = r.rolesOf(withSan);
    r.rolesOf(without);
    expect(r.rolesOf(withSan)).toBe(first);
  });

  it('with issuer-bound principals, the cache key includes the verified issuer', () => {
    const fp = (b: string) => `${b}${':00'.repeat(31)}`;
    const r = new RoleResolver([{ name: 'bound', principals: [{ field: 'cn', pattern: 'alice', issuerFingerprint: fp('AA') }] }]);
    const viaA = identity({ commonName: 'alice', fingerprint: 'SAME', issuingCa: { subject: 'CN=ca', fingerprint: fp('AA') } });
    const viaB = { ...viaA, issuingCa: { subject: 'CN=ca', fingerprint: fp('BB') } };
    const unknown = { ...viaA, issuingCa: undefined };
    expect(r.rolesOf(viaA)).toEqual(['bound']);
    expect(r.rolesOf(viaB)).toEqual([]);
    expect(r.rolesOf(unknown)).toEqual([]);
    expect(r.rolesOf(viaA)).toEqual(['bound']);
    // Another certificate under the same CA is judged on its own.
    expect(r.rolesOf(identity({ commonName: 'mallory', issuingCa: viaA.issuingCa }))).toEqual([]);
  });

  it('a principal bound by issuer subject: the cache key includes the issuer too, and grants say which binding held', () => {
    const r = new RoleResolver([{ name: 'bound', principals: [{ field: 'cn', pattern: 'alice', issuer: 'CN=ca A' }] }]);
    const viaA = identity({ commonName: 'alice', fingerprint: 'SAME', issuingCa: { subject: 'CN=ca A', fingerprint: 'A' } });
    const viaB = { ...viaA, issuingCa: { subject: 'CN=ca B', fingerprint: 'B' } };
    expect(r.rolesOf(viaA)).toEqual(['bound']);
    expect(r.rolesOf(viaB)).toEqual([]);
    expect(r.grants(viaA)).toStrictEqual([{ role: 'bound', field: 'cn', pattern: 'alice', value: 'alice', issuer: 'CN=ca A' }]);
    const byFingerprint = new RoleResolver([{ name: 'fp', principals: [{ field: 'cn', pattern: 'alice', issuerFingerprint: 'A' }] }]);
    expect(byFingerprint.grants(viaA)).toStrictEqual([
      { role: 'fp', field: 'cn', pattern: 'alice', value: 'alice', issuerFingerprint: 'A' },
    ]);
  });

  it('the cache is bounded: the oldest answer goes first', () => {
    const r = new RoleResolver([{ name: 'x', principals: [{ field: 'cn', pattern: 'x' }] }], 'glob', 1);
    const a = identity({ commonName: 'x' });
    const b = identity({ commonName: 'y' });
    const first = r.rolesOf(a);
    expect(Object.isFrozen(first)).toBe(true);
    // A second connection of the same certificate (another identity object): the per-fingerprint cache answers.
    expect(r.rolesOf({ ...a })).toBe(first);
    r.rolesOf(b);
    // b pushed a's answer out of the one-entry cache: computed again, equal but not the same array.
    const again = r.rolesOf({ ...a });
    expect(again).toEqual(first);
    expect(again).not.toBe(first);
    // The identity object a connection keeps answers from its own entry, whatever the bounded cache holds.
    expect(r.rolesOf(a)).toBe(first);
  });
});
