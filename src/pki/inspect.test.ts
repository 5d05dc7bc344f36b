// describeCertificate / formatCertificateInfo (`cert inspect`), on certificates made here and by openssl.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, loadSigningCa, SigningCa } from './ca';
import { describeCertificate, formatCertificateInfo } from './inspect';
import { issueCertificate } from './issue';
import { parseSanList } from './subject-alt-names';
import { verifyCertificate } from './verify';

describe('describeCertificate and its text', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());
  let ca: SigningCa;
  let leafPem: string;
  beforeAll(async () => {
    const pair = await createCa({ commonName: 'inspect CA', keyType: 'rsa-2048' });
    ca = await loadSigningCa(pair.certPem, pair.keyPem);
    leafPem = (
      await issueCertificate(ca, {
        profile: 'server',
        commonName: 'api',
        sans: parseSanList('DNS:api.corp,IP:10.0.0.7,URI:spiffe://corp/api,email:ops@corp'),
      })
    ).certPem;
  });

  it('a server certificate: names, key, usages, identifiers, validity now, the chain', () => {
    const node = new X509Certificate(leafPem);
    const now = new Date(new Date(node.validTo).getTime() - 10.5 * 86_400_000);
    const chain = verifyCertificate(node, [new X509Certificate(ca.certPem)], { now });
    const info = describeCertificate(leafPem, chain, now);
    expect(info).toMatchObject({
      subject: 'CN=api',
      commonName: 'api',
      issuer: 'CN=inspect CA',
      serial: node.serialNumber.toLowerCase().replace(/^0+/, ''),
      notBefore: new Date(node.validFrom).toISOString(),
      notAfter: new Date(node.validTo).toISOString(),
      validity: 'valid',
      daysLeft: 10,
      sans: ['DNS:api.corp', 'IP:10.0.0.7', 'URI:spiffe://corp/api', 'email:ops@corp'],
      spiffeId: 'spiffe://corp/api',
      extendedKeyUsage: ['serverAuth'],
      basicConstraints: { ca: false, pathLength: undefined },
      fingerprintSha256: node.fingerprint256,
      selfSigned: false,
      chain: { ok: true, code: 'OK', reason: 'chain verified to a trusted CA', trustedBy: ['CN=inspect CA'] },
    });
    expect(info.keyUsage).toContain('digitalSignature');
    expect(info.keyUsage).not.toContain('keyCertSign');
    expect(info.subjectKeyId).toMatch(/^[0-9a-f]+$/);
    expect(info.authorityKeyId).toBe(describeCertificate(ca.certPem).subjectKeyId);
    expect(info.publicKey).toBe('ECDSA P-256');
    expect(describeCertificate(ca.certPem).publicKey).toBe('RSA 2048 bit');
    expect(info.signatureAlgorithm).toMatch(/ with SHA-256$/);
    const text = formatCertificateInfo(info, 'api.crt');
    expect(text.split('\n')).toEqual([
      'Certificate api.crt:',
      '  Subject:              CN=api',
      '  Issuer:               CN=inspect CA',
      `  Serial:               ${info.serial}`,
      `  Not before:           ${info.notBefore}`,
      `  Not after:            ${info.notAfter} (valid, 10 days left)`,
      `  Public key:           ${info.publicKey}`,
      `  Signature:            ${info.signatureAlgorithm}`,
      '  Basic constraints:    CA:FALSE',
      `  Key usage:            ${info.keyUsage.join(', ')}`,
      '  Extended key usage:   serverAuth',
      '  Subject alt names:    DNS:api.corp, IP:10.0.0.7, URI:spiffe://corp/api, email:ops@corp',
      '  SPIFFE ID:            spiffe://corp/api',
      `  Subject key id:       ${info.subjectKeyId}`,
      `  Authority key id:     ${info.authorityKeyId}`,
      `  SHA-256 fingerprint:  ${info.fingerprintSha256}`,
      '  Chain:                OK (CN=inspect CA)',
    ]);
  });

  it('a CA: self-signed, CA:TRUE, keyCertSign; expired and not-yet-valid say so; a failed chain says why', () => {
    const info = describeCertificate(ca.certPem);
    expect(info).toMatchObject({
      selfSigned: true,
      basicConstraints: { ca: true },
      commonName: 'inspect CA',
      extendedKeyUsage: [],
      sans: [],
    });
    expect(info.keyUsage).toEqual(expect.arrayContaining(['keyCertSign', 'cRLSign']));
    const text = formatCertificateInfo(info);
    expect(text).toMatch(/^Certificate:\n/);
    expect(text).toContain('  Issuer:               CN=inspect CA (self-signed)');
    expect(text).toMatch(/ {2}Basic constraints: {4}CA:TRUE(, pathlen:\d+)?\n/);
    expect(text).not.toContain('SPIFFE ID:');
    expect(text).not.toContain('Subject alt names:');
    const node = new X509Certificate(leafPem);
    const late = new Date(new Date(node.validTo).getTime() + 86_400_000);
    const early = new Date(new Date(node.validFrom).getTime() - 86_400_000);
    const failed = verifyCertificate(node, [], { now: late });
    const expired = describeCertificate(leafPem, failed, late);
    expect(expired.validity).toBe('expired');
    expect(expired.chain).toEqual({ ok: false, code: 'CERT_HAS_EXPIRED', reason: failed.reason, trustedBy: undefined });
    expect(formatCertificateInfo(expired)).toContain(`(EXPIRED)`);
    expect(formatCertificateInfo(expired)).toContain(`  Chain:                FAILED CERT_HAS_EXPIRED: ${failed.reason}`);
    const notYet = describeCertificate(leafPem, undefined, early);
    expect(notYet.validity).toBe('not-yet-valid');
    expect(formatCertificateInfo(notYet)).toContain('(NOT YET VALID)');
    expect(formatCertificateInfo(notYet)).not.toContain('Chain:');
  });

  it('names certrpc never issues, two SPIFFE IDs, several CNs, other key types (openssl-made)', () => {
    const file = join(tmp.dir, 'odd.crt');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-384',
        '-nodes',
        '-keyout',
        join(tmp.dir, 'odd.key'),
        '-out',
        file,
        '-days',
        '1',
        '-subj',
        '/CN=a/CN=b',
        '-addext',
        'subjectAltName=URI:spiffe://corp/a,URI:spiffe://corp/b,DNS:x.corp',
        '-addext',
        'extendedKeyUsage=clientAuth,codeSigning,emailProtection,timeStamping,OCSPSigning,1.2.3.4',
      ],
      { stdio: 'pipe' },
    );
    const info = describeCertificate(readFileSync(file, 'utf8'));
    expect(info.commonName).toBe('');
    expect(info.spiffeId).toBeUndefined();
    expect(info.publicKey).toBe('ECDSA P-384');
    expect(info.extendedKeyUsage).toEqual(['clientAuth', 'codeSigning', 'emailProtection', 'timeStamping', 'OCSPSigning', '1.2.3.4']);
    expect(formatCertificateInfo(info)).toContain('  Subject alt names:    URI:spiffe://corp/a, URI:spiffe://corp/b, DNS:x.corp');
  });
});
