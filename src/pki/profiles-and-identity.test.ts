// The profile table (EKU by profile, read back from a certificate), the leaf extensions, serial
// text, the signing member of a CA bundle, and the refusal of a CA certificate as an identity.
import { X509Certificate } from 'node:crypto';
import { refuseCaAsIdentity } from './ca-as-identity';
import { signingCertificateOf } from './ca-bundle';
import { createCa, loadSigningCa } from './ca';
import { x509 } from './crypto';
import { issueCertificate } from './issue';
import { ekuName, profileOfEku, PROFILE_EKU } from './profiles';
import { normalizeSerial } from './serial';
import { parseSanList } from './subject-alt-names';

describe('profiles', () => {
  it('the profile a certificate states: exactly one of serverAuth and clientAuth', () => {
    expect(profileOfEku([PROFILE_EKU.server])).toBe('server');
    expect(profileOfEku([PROFILE_EKU.client, '1.3.6.1.5.5.7.3.4'])).toBe('client');
    expect(profileOfEku([PROFILE_EKU.server, PROFILE_EKU.client])).toBeUndefined();
    expect(profileOfEku([])).toBeUndefined();
    expect(profileOfEku(undefined)).toBeUndefined();
    expect(ekuName('2.5.29.37.0')).toBe('anyExtendedKeyUsage');
    expect(ekuName('1.2.3')).toBe('1.2.3');
  });

  it('a leaf: CA:FALSE and key usage critical, EKU not critical; a server that is also a client carries both usages', async () => {
    const ca = await loadSigningCa(...(Object.values(await createCa({ commonName: 'profiles CA' })) as [string, string]));
    const pair = await issueCertificate(ca, { profile: 'server', commonName: 's', sans: parseSanList('DNS:s'), serverAlsoClient: true });
    const cert = new x509.X509Certificate(pair.certPem);
    expect(cert.getExtension(x509.BasicConstraintsExtension)).toMatchObject({ ca: false, critical: true });
    // Key usage critical (RFC 5280 4.2.1.3: SHOULD): a verifier that does not know it must refuse the certificate.
    expect(cert.getExtension(x509.KeyUsagesExtension)).toMatchObject({ usages: x509.KeyUsageFlags.digitalSignature, critical: true });
    expect(cert.getExtension(x509.ExtendedKeyUsageExtension)).toMatchObject({
      critical: false,
      usages: [PROFILE_EKU.server, PROFILE_EKU.client],
    });
    expect(profileOfEku(new X509Certificate(pair.certPem).keyUsage)).toBeUndefined();
  });
});

describe('normalizeSerial', () => {
  it('lower-case hex without separators or leading zeros; zero stays one digit', () => {
    expect(normalizeSerial('00:0A:bc')).toBe('abc');
    expect(normalizeSerial('000A')).toBe('a');
    expect(normalizeSerial('AB CD\n')).toBe('abcd');
    expect(normalizeSerial('000')).toBe('0');
  });
});

describe('signingCertificateOf', () => {
  it('a single certificate is returned as given; in a bundle, the member of the key, else the first', async () => {
    const [a, b] = [await createCa({ commonName: 'a' }), await createCa({ commonName: 'b' })];
    const single = `# ca.crt\n${a.certPem}`;
    expect(signingCertificateOf(single, a.keyPem)).toBe(single);
    const bundle = `${a.certPem}\n${b.certPem}\n`;
    expect(new X509Certificate(signingCertificateOf(bundle, b.keyPem)).subject).toBe('CN=b');
    expect(new X509Certificate(signingCertificateOf(bundle, 'not a key')).subject).toBe('CN=a');
  });
});

describe('refuseCaAsIdentity', () => {
  it('refuses a CA certificate (PEM or parsed), naming it, the file and the fix; a leaf passes', async () => {
    const pair = await createCa({ commonName: 'the CA' });
    for (const given of [pair.certPem, new X509Certificate(pair.certPem)]) {
      expect(() => refuseCaAsIdentity(given, 'ca.crt')).toThrow(
        expect.objectContaining({
          code: 'CA_AS_IDENTITY',
          file: 'ca.crt',
          message: expect.stringContaining('"CN=the CA"'),
          fix: expect.stringContaining('CA key'),
        }),
      );
    }
    const ca = await loadSigningCa(pair.certPem, pair.keyPem);
    expect(refuseCaAsIdentity((await issueCertificate(ca, { profile: 'client', commonName: 'leaf' })).certPem)).toBeUndefined();
  });
});
