// The identity of a peer certificate and its cache, from real certificates (the project's own PKI
// code, and openssl for subjects certrpc never issues: several OUs, two CNs, two SPIFFE IDs).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import type { PeerCertificate } from 'node:tls';
import { opensslSelfSigned } from '../../test/helpers/openssl-pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, loadSigningCa } from '../pki/ca';
import { issueCertificate } from '../pki/issue';
import { normalizeSerial } from '../pki/serial';
import { parseSanList } from '../pki/subject-alt-names';
import { describeIdentity, identityFromCertificate, IdentityCache, PeerIdentity } from './peer-identity';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A self-signed certificate with exactly this subject and these SANs, as openssl writes it. */
function opensslCert(name: string, subject: string, san?: string): X509Certificate {
  return new X509Certificate(opensslSelfSigned(tmp.dir, name, subject, { addext: san ? [`subjectAltName=${san}`] : [] }).certPem);
}

/** What a TLS socket hands the server: a fresh legacy object per connection. */
const peerOf = (cert: X509Certificate): PeerCertificate => cert.toLegacyObject();

describe('identityFromCertificate', () => {
  let ca: Awaited<ReturnType<typeof loadSigningCa>>;
  let cert: X509Certificate;
  beforeAll(async () => {
    const caPair = await createCa({ commonName: 'identity test CA' });
    ca = await loadSigningCa(caPair.certPem, caPair.keyPem);
    const pair = await issueCertificate(ca, {
      profile: 'client',
      commonName: 'alice',
      sans: parseSanList(
        'DNS:alice.corp,DNS:a.corp,URI:spiffe://corp/ns/a/sa/alice,URI:https://id.corp/alice,IP:10.1.2.3,email:alice@corp.com',
      ),
    });
    cert = new X509Certificate(pair.certPem);
  });

  it('reads every field of a certificate certrpc issued, the same from X509Certificate and from the peer object', () => {
    const id = identityFromCertificate(cert);
    expect(id).toEqual({
      commonName: 'alice',
      sans: [
        'DNS:alice.corp',
        'DNS:a.corp',
        'URI:spiffe://corp/ns/a/sa/alice',
        'URI:https://id.corp/alice',
        'IP:10.1.2.3',
        'email:alice@corp.com',
      ],
      dnsNames: ['alice.corp', 'a.corp'],
      uris: ['spiffe://corp/ns/a/sa/alice', 'https://id.corp/alice'],
      ips: ['10.1.2.3'],
      emails: ['alice@corp.com'],
      spiffeId: 'spiffe://corp/ns/a/sa/alice',
      serial: normalizeSerial(cert.serialNumber),
      fingerprint: cert.fingerprint256,
      issuer: 'CN=identity test CA',
      issuingCa: undefined,
      notAfter: new Date(cert.validTo),
      subject: 'CN=alice',
    });
    expect(id.serial).toMatch(/^[1-9a-f][0-9a-f]*$/);
    expect(identityFromCertificate(peerOf(cert))).toEqual(id);
    const issuingCa = { subject: 'CN=identity test CA', fingerprint: new X509Certificate(ca.certPem).fingerprint256 };
    expect(identityFromCertificate(cert, issuingCa).issuingCa).toEqual(issuingCa);
  });

  it('gives the subject as RFC 4514 text, most specific first, every value escaped (what A43 subject principals match)', () => {
    const c = opensslCert('subject', '/C=NL/O=Acme, Inc./OU=a/OU=b/CN=svc\\+one');
    const id = identityFromCertificate(c);
    expect(id.subject).toBe('CN=svc\\+one,OU=b,OU=a,O=Acme\\, Inc.,C=NL');
    expect(id.commonName).toBe('svc+one');
    expect(id.sans).toEqual([]);
    expect(id.spiffeId).toBeUndefined();
  });

  it('has no CN when the subject holds two, and no SPIFFE ID when two spiffe URIs are present', () => {
    const c = opensslCert('two', '/CN=a/CN=b', 'URI:spiffe://corp/a,URI:spiffe://corp/b,URI:https://x');
    const id = identityFromCertificate(c);
    expect(id.commonName).toBe('');
    expect(id.subject).toBe('CN=b,CN=a');
    expect(id.uris).toEqual(['spiffe://corp/a', 'spiffe://corp/b', 'https://x']);
    expect(id.spiffeId).toBeUndefined();
    expect(describeIdentity(id)).toBe('URI:spiffe://corp/a');
  });
});

describe('IdentityCache: keyed by the certificate fingerprint and its verified issuing CA, bounded', () => {
  let ca: Awaited<ReturnType<typeof loadSigningCa>>;
  const certs: X509Certificate[] = [];
  beforeAll(async () => {
    const caPair = await createCa({ commonName: 'cache test CA' });
    ca = await loadSigningCa(caPair.certPem, caPair.keyPem);
    // Three certificates, two of them with the same CN: a cache keyed by CN would mix them up.
    for (const cn of ['alice', 'alice', 'bob'])
      certs.push(new X509Certificate((await issueCertificate(ca, { profile: 'client', commonName: cn })).certPem));
  });

  it('parses a certificate once, and tells two certificates with one CN apart', () => {
    const cache = new IdentityCache();
    const [a1, a2] = certs;
    const first = cache.get(peerOf(a1), undefined);
    expect(cache.get(peerOf(a1), undefined)).toBe(first);
    const second = cache.get(peerOf(a2), undefined);
    expect(second).not.toBe(first);
    expect(second.commonName).toBe(first.commonName);
    expect(second.serial).toBe(normalizeSerial(a2.serialNumber));
    expect(second.fingerprint).toBe(a2.fingerprint256);
    expect(first.serial).toBe(normalizeSerial(a1.serialNumber));
    expect(cache.get(peerOf(a1), undefined)).toBe(first);
  });

  it('the same certificate verified under another CA certificate is a new identity', () => {
    const cache = new IdentityCache();
    const one = { subject: 'CN=cache test CA', fingerprint: `AA${':00'.repeat(31)}` };
    const two = { subject: 'CN=cache test CA', fingerprint: `BB${':00'.repeat(31)}` };
    const viaOne = cache.get(peerOf(certs[0]), one);
    expect(viaOne.issuingCa).toEqual(one);
    expect(cache.get(peerOf(certs[0]), { ...one })).toBe(viaOne);
    const viaTwo = cache.get(peerOf(certs[0]), two);
    expect(viaTwo).not.toBe(viaOne);
    expect(viaTwo.issuingCa).toEqual(two);
    // Unknown issuer is not "the same as" a known one, nor a known one the same as unknown.
    const unknown = cache.get(peerOf(certs[0]), undefined);
    expect(unknown.issuingCa).toBeUndefined();
    expect(cache.get(peerOf(certs[0]), undefined)).toBe(unknown);
    expect(cache.get(peerOf(certs[0]), two).issuingCa).toEqual(two);
  });

  it('holds at most `capacity` identities, dropping the oldest', () => {
    const [a, b, c] = certs.map(peerOf);
    const cache = new IdentityCache(2);
    const ia = cache.get(a, undefined);
    const ib = cache.get(b, undefined);
    expect(cache.get(a, undefined)).toBe(ia);
    cache.get(c, undefined); // over capacity: a (the oldest entry) goes
    expect(cache.get(b, undefined)).toBe(ib);
    const again = cache.get(a, undefined);
    expect(again).not.toBe(ia);
    expect(again).toEqual(ia);
    const tiny = new IdentityCache(1);
    const ta = tiny.get(a, undefined);
    tiny.get(b, undefined);
    expect(tiny.get(a, undefined)).not.toBe(ta);
  });
});

describe('describeIdentity: how a caller is named in messages', () => {
  const base: PeerIdentity = {
    commonName: '',
    sans: [],
    dnsNames: [],
    uris: [],
    ips: [],
    emails: [],
    serial: '2a',
    fingerprint: 'F',
    issuer: 'CN=x',
    notAfter: new Date(0),
  };
  it('CN first (escaped), then the SPIFFE ID (quoted when needed), then the first SAN, then the serial', () => {
    expect(describeIdentity({ ...base, commonName: 'bob, roles: admin', spiffeId: 'spiffe://corp/x' })).toBe('CN=bob\\, roles: admin');
    expect(describeIdentity({ ...base, spiffeId: 'spiffe://corp/x', sans: ['DNS:a'] })).toBe('spiffe://corp/x');
    expect(describeIdentity({ ...base, sans: ['DNS:a.corp', 'IP:10.0.0.1'] })).toBe('DNS:a.corp');
    expect(describeIdentity(base)).toBe('serial 2a');
  });
});

describe('identityFromCertificate in a fresh process', () => {
  it('leaves node:tls whole: a TLS context can still be made after reading an X509Certificate (Node 20 loads tls half-way otherwise)', () => {
    const { keyFile: caKey, certFile: caCrt } = opensslSelfSigned(tmp.dir, 'fresh', '/CN=fresh');
    // A process that has loaded nothing but this module (transpiled on require, as ts-jest does).
    const script = `
      const ts = require('typescript');
      const fs = require('node:fs');
      require.extensions['.ts'] = (m, file) => m._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, file);
      const { identityFromCertificate } = require(${JSON.stringify(join(__dirname, 'peer-identity.ts'))});
      const { X509Certificate } = require('node:crypto');
      const identity = identityFromCertificate(new X509Certificate(fs.readFileSync(${JSON.stringify(caCrt)})));
      const tls = require('node:tls');
      tls.createSecureContext({ cert: fs.readFileSync(${JSON.stringify(caCrt)}), key: fs.readFileSync(${JSON.stringify(caKey)}) });
      process.stdout.write(identity.commonName + ' ' + typeof tls.createSecureContext);
    `;
    expect(execFileSync(process.execPath, ['-e', script], { cwd: join(__dirname, '..', '..'), stdio: 'pipe' }).toString()).toBe(
      'fresh function',
    );
  });
});
