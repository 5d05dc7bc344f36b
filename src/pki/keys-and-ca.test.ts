// Keys of every type certrpc makes or reads, and a CA: what it is made of, and what loading refuses.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, createIntermediateCa, loadSigningCa, parseCertificate } from './ca';
import {
  x509,
  exportPrivateKeyPem,
  generateKeyPair,
  importSigningKey,
  KEY_TYPES,
  keyTypeOf,
  parseKeyType,
  signingAlgorithm,
} from './crypto';
import { issueCertificate } from './issue';

describe('keys', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('each key type signs with its algorithm, and is read back as that type', async () => {
    expect(signingAlgorithm('ecdsa-p256')).toEqual({ name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' });
    expect(signingAlgorithm('ecdsa-p384')).toEqual({ name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-384' });
    expect(signingAlgorithm('rsa-2048')).toEqual({
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    });
    expect(signingAlgorithm('rsa-4096')).toMatchObject({ modulusLength: 4096 });
    for (const type of ['ecdsa-p256', 'ecdsa-p384', 'rsa-2048'] as const) {
      const pem = await exportPrivateKeyPem((await generateKeyPair(type)).privateKey);
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(keyTypeOf(createPrivateKey(pem))).toBe(type);
      expect((await importSigningKey(pem)).keyType).toBe(type);
    }
  });

  it('reads the PEM forms openssl writes (PKCS#1, SEC1); refuses unreadable and unsupported keys', async () => {
    const rsa1 = join(tmp.dir, 'rsa2048.pem');
    execFileSync('openssl', ['genrsa', '-traditional', '-out', rsa1, '2048'], { stdio: 'pipe' });
    expect(readFileSync(rsa1, 'utf8')).toMatch(/BEGIN RSA PRIVATE KEY/);
    expect((await importSigningKey(readFileSync(rsa1, 'utf8'))).keyType).toBe('rsa-2048');
    const sec1 = join(tmp.dir, 'ec.pem');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', sec1], { stdio: 'pipe' });
    expect((await importSigningKey(readFileSync(sec1, 'utf8'))).keyType).toBe('ecdsa-p256');
    await expect(importSigningKey('nope', 'k.pem')).rejects.toMatchObject({
      message: expect.stringMatching(/^not a readable private key: /),
      file: 'k.pem',
    });
    const p521 = join(tmp.dir, 'p521.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521', '-out', p521], { stdio: 'pipe' });
    await expect(importSigningKey(readFileSync(p521, 'utf8'))).rejects.toThrow('unsupported key (ec secp521r1)');
    const rsa3072 = join(tmp.dir, 'rsa3072.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072', '-out', rsa3072], { stdio: 'pipe' });
    await expect(importSigningKey(readFileSync(rsa3072, 'utf8'))).rejects.toThrow(
      expect.objectContaining({ message: 'unsupported key (rsa 3072)', fix: `use a key of type ${KEY_TYPES.join(', ')}` }),
    );
    const ed = join(tmp.dir, 'ed.pem');
    execFileSync('openssl', ['genpkey', '-algorithm', 'ED25519', '-out', ed], { stdio: 'pipe' });
    await expect(importSigningKey(readFileSync(ed, 'utf8'))).rejects.toThrow('unsupported key (ed25519 )');
  });

  it('parseKeyType names the option and the choices', () => {
    expect(parseKeyType('rsa-4096')).toBe('rsa-4096');
    expect(() => parseKeyType('dsa', 'caKeyType')).toThrow(
      expect.objectContaining({
        message: 'unknown key type "dsa"',
        option: 'caKeyType',
        fix: 'use one of: ecdsa-p256, ecdsa-p384, rsa-2048, rsa-4096',
      }),
    );
  });
});

describe('a CA', () => {
  it('is self-signed, CA:TRUE (critical), keyCertSign and cRLSign, named as asked, valid for its days', async () => {
    const pair = await createCa({ commonName: 'unit CA', days: 10, keyType: 'ecdsa-p384' });
    const cert = new X509Certificate(pair.certPem);
    expect(cert.subject).toBe('CN=unit CA');
    expect(cert.issuer).toBe('CN=unit CA');
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBeGreaterThan(10);
    expect(days).toBeLessThan(10.01);
    expect(cert.toLegacyObject().ext_key_usage).toBeUndefined();
    const text = execFileSync('openssl', ['x509', '-noout', '-text'], { input: pair.certPem }).toString();
    expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:TRUE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\n\s+Digital Signature, Certificate Sign, CRL Sign/);
    expect(text).toMatch(/X509v3 Subject Key Identifier/);
    expect(text).toMatch(/X509v3 Authority Key Identifier/);
    expect(new X509Certificate((await createCa()).certPem).subject).toBe('CN=certrpc CA');
  });

  it('an intermediate: CA:TRUE with pathLen 0 and keyCertSign (both critical), never outliving its parent', async () => {
    const parent = await loadSigningCa(...(Object.values(await createCa({ commonName: 'short root', days: 10 })) as [string, string]));
    const capped = new x509.X509Certificate((await createIntermediateCa(parent)).certPem);
    expect(capped.subject).toBe('CN=certrpc intermediate CA');
    expect(capped.notAfter).toEqual(parent.cert.notAfter);
    const basic = capped.getExtension(x509.BasicConstraintsExtension)!;
    expect([basic.ca, basic.pathLength, basic.critical]).toEqual([true, 0, true]);
    const usage = capped.getExtension(x509.KeyUsagesExtension)!;
    expect([usage.usages & x509.KeyUsageFlags.keyCertSign, usage.critical]).toEqual([x509.KeyUsageFlags.keyCertSign, true]);
    const short = new x509.X509Certificate((await createIntermediateCa(parent, { days: 5, pathLength: 2 })).certPem);
    const days = (short.notAfter.getTime() - short.notBefore.getTime()) / 86_400_000;
    expect(days).toBeGreaterThan(5);
    expect(days).toBeLessThan(5.01);
    expect(short.getExtension(x509.BasicConstraintsExtension)?.pathLength).toBe(2);
  });

  it('every refusal to load names the file and the remedy', async () => {
    const pair = await createCa({ commonName: 'unit CA' });
    const ca = await loadSigningCa(pair.certPem, pair.keyPem);
    const leaf = await issueCertificate(ca, { profile: 'client', commonName: 'x' });
    await expect(loadSigningCa(leaf.certPem, leaf.keyPem, { cert: 'x.crt' })).rejects.toMatchObject({
      file: 'x.crt',
      fix: expect.stringContaining('ca.crt'),
    });
    expect(() => parseCertificate('hello', 'h.crt')).toThrow(
      expect.objectContaining({ file: 'h.crt', fix: expect.stringContaining('openssl x509 -inform der') }),
    );
    expect(() => parseCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'c.crt')).toThrow(
      expect.objectContaining({ file: 'c.crt', fix: expect.stringMatching(/re-issue|re-copy/) }),
    );
  });

  it('loading refuses a leaf as CA, a key of another CA, and what is not a certificate', async () => {
    const pair = await createCa({ commonName: 'unit CA' });
    const other = await createCa({ commonName: 'other' });
    const ca = await loadSigningCa(pair.certPem, pair.keyPem, { cert: 'ca.crt', key: 'ca.key' });
    expect(ca.keyType).toBe('ecdsa-p256');
    const leaf = await issueCertificate(ca, { profile: 'client', commonName: 'x' });
    await expect(loadSigningCa(leaf.certPem, leaf.keyPem, { cert: 'x.crt' })).rejects.toMatchObject({
      message: 'this certificate is not a CA (no basicConstraints CA:TRUE)',
      file: 'x.crt',
    });
    await expect(loadSigningCa(pair.certPem, other.keyPem, { cert: 'ca.crt', key: 'other.key' })).rejects.toMatchObject({
      message: 'the CA key does not match the CA certificate',
      file: 'other.key',
      fix: 'use the key that was created with ca.crt',
    });
    await expect(loadSigningCa(pair.certPem, other.keyPem)).rejects.toMatchObject({
      fix: 'use the key that was created with the CA certificate',
    });
    expect(() => parseCertificate('hello', 'h.crt')).toThrow(
      expect.objectContaining({ message: 'no PEM certificate found (expected -----BEGIN CERTIFICATE-----)', file: 'h.crt' }),
    );
    expect(() => parseCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', 'c.crt')).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/^corrupt certificate: /), file: 'c.crt' }),
    );
    expect(parseCertificate(`junk\n${pair.certPem}`).subject).toBe('CN=unit CA');
    // Another PEM block before it (`openssl ecparam` writes EC PARAMETERS first): the certificate is still found.
    const params = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    expect(parseCertificate(`${params}${pair.certPem}`).subject).toBe('CN=unit CA');
  });
});
