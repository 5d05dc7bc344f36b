// PEM bundles and distinguished names as `cert inspect` prints them (what `issuer:` principals compare with).
import { execFileSync } from 'node:child_process';
import { createCa } from './ca';
import { canonicalDistinguishedName, issuerAsInspected, subjectAsInspected } from './distinguished-name';
import { crlPemBlocks, parseCertificateBundle, pemBlocks } from './pem';

describe('PEM', () => {
  it('splits bundles of certificates and of CRLs (both CRL labels), one string per CRL', async () => {
    const [a, b] = [await createCa({ commonName: 'a' }), await createCa({ commonName: 'b' })];
    const bundle = `junk\n${a.certPem}\n${b.certPem}trailing`;
    expect(pemBlocks(bundle)).toEqual([a.certPem.trim(), b.certPem.trim()]);
    expect(parseCertificateBundle(bundle).map((c) => c.subject)).toEqual(['CN=a', 'CN=b']);
    expect(pemBlocks('nothing')).toEqual([]);
    expect(() => parseCertificateBundle('nothing', 'f.pem')).toThrow(
      expect.objectContaining({
        message: 'no PEM certificate found (expected -----BEGIN CERTIFICATE-----)',
        file: 'f.pem',
        fix: expect.stringContaining('openssl x509 -inform der'),
      }),
    );
    expect(() => parseCertificateBundle(`${a.certPem}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`, 'f.pem')).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(/^certificate #2 is corrupt: /),
        file: 'f.pem',
        fix: expect.stringMatching(/copy|re-issue/),
      }),
    );
    const crl = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----`;
    expect(crlPemBlocks(`${crl('X509 CRL')}\n${crl('CRL')}\nx`)).toEqual([`${crl('X509 CRL')}\n`, `${crl('CRL')}\n`]);
    expect(crlPemBlocks(undefined)).toEqual([]);
    expect(crlPemBlocks('no crl')).toEqual([]);
  });
});

describe('distinguished names', () => {
  it('subject and issuer as inspected, from PEM or DER', async () => {
    const ca = await createCa({ commonName: 'Acme, Inc. CA' });
    const der = execFileSync('openssl', ['x509', '-outform', 'DER'], { input: ca.certPem });
    expect(subjectAsInspected(ca.certPem)).toBe('CN=Acme\\, Inc. CA');
    expect(subjectAsInspected(der)).toBe('CN=Acme\\, Inc. CA');
    expect(issuerAsInspected(der)).toBe('CN=Acme\\, Inc. CA');
  });

  it('canonicalDistinguishedName: the printed form, spaces after commas optional; anything else is not a name', () => {
    expect(canonicalDistinguishedName('CN=certrpc CA, O=Acme')).toBe('CN=certrpc CA, O=Acme');
    expect(canonicalDistinguishedName('CN=certrpc CA,O=Acme')).toBe('CN=certrpc CA, O=Acme');
    expect(canonicalDistinguishedName('CN=Acme\\, Inc.')).toBe('CN=Acme\\, Inc.');
    for (const bad of ['', 'garbage', 'certrpc CA', 'cn=lower', 'CN=a,,O=b']) expect(canonicalDistinguishedName(bad)).toBeUndefined();
  });
});
