// The CA that signed a peer certificate, kept beside the certificate object the TLS layer verified,
// and fingerprints as policies write them.
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { createCa, loadSigningCa } from '../pki/ca';
import { issueCertificate } from '../pki/issue';
import { issuingCaOf, normalizeFingerprint, recordIssuingCa } from './issuing-ca';

/** What a TLS socket hands the server: a fresh legacy object per connection. */
const peerOf = (cert: X509Certificate): PeerCertificate => cert.toLegacyObject();

describe('recordIssuingCa / issuingCaOf', () => {
  let cert: X509Certificate;
  beforeAll(async () => {
    const caPair = await createCa({ commonName: 'cache test CA' });
    const ca = await loadSigningCa(caPair.certPem, caPair.keyPem);
    cert = new X509Certificate((await issueCertificate(ca, { profile: 'client', commonName: 'alice' })).certPem);
  });

  it('the issuing CA the TLS layer recorded travels with that very certificate object, frozen', () => {
    const one = { subject: 'CN=cache test CA', fingerprint: `AA${':00'.repeat(31)}` };
    const p1 = peerOf(cert);
    recordIssuingCa(p1, one);
    one.subject = 'changed after recording';
    expect(issuingCaOf(p1)).toEqual({ subject: 'CN=cache test CA', fingerprint: `AA${':00'.repeat(31)}` });
    expect(Object.isFrozen(issuingCaOf(p1))).toBe(true);
    // Another object for the same certificate (another connection) has no record.
    expect(issuingCaOf(peerOf(cert))).toBeUndefined();
  });
});

describe('normalizeFingerprint', () => {
  const hex = 'ab'.repeat(32);
  it('accepts 32 bytes of hex in any case, with or without colons or spaces; nothing else', () => {
    const canonical = Array.from({ length: 32 }, () => 'AB').join(':');
    expect(normalizeFingerprint(hex)).toBe(canonical);
    expect(normalizeFingerprint(canonical.toLowerCase())).toBe(canonical);
    expect(normalizeFingerprint(`  ${canonical.replace(/:/g, ' ')} `)).toBe(canonical);
    expect(normalizeFingerprint(hex.slice(2))).toBeUndefined();
    expect(normalizeFingerprint(`${hex}ab`)).toBeUndefined();
    expect(normalizeFingerprint(`${hex.slice(2)}zz`)).toBeUndefined();
  });
});
