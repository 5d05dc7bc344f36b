// CSR checking and signing, on requests made by openssl (as a requester elsewhere would make them).
import { execFileSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, loadSigningCa, SigningCa } from './ca';
import { subtle, x509 } from './crypto';
import { readCsr } from './csr';
import { signCsr } from './issue';
import { parseSanList } from './subject-alt-names';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
let n = 0;

/** `openssl req -new` with a fresh key made by `genpkey ARGS`. */
function csrOf(subject: string, keyArgs: string[], extra: string[] = []): string {
  const key = join(tmp.dir, `k${++n}.pem`);
  const out = join(tmp.dir, `c${n}.csr`);
  execFileSync('openssl', ['genpkey', ...keyArgs, '-out', key], { stdio: 'pipe' });
  execFileSync('openssl', ['req', '-new', '-key', key, '-subj', subject, ...extra, '-out', out], { stdio: 'pipe' });
  return readFileSync(out, 'utf8');
}
const EC = (curve: string) => ['-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${curve}`];
const RSA = (bits: number, exponent?: number) => [
  '-algorithm',
  'RSA',
  '-pkeyopt',
  `rsa_keygen_bits:${bits}`,
  ...(exponent ? ['-pkeyopt', `rsa_keygen_pubexp:${exponent}`] : []),
];

describe('readCsr', () => {
  it('reads subject, names and extensions of a P-256 request, and says what it will not copy', async () => {
    const pem = csrOf('/O=Acme/CN=app', EC('P-256'), [
      '-addext',
      'subjectAltName=DNS:app.corp,IP:10.0.0.1,URI:spiffe://corp/app,email:a@corp,dirName:dir_sect',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-config',
      writeConfig(),
    ]);
    // Text before the block, as openssl req -text prints it, is skipped.
    const csr = await readCsr(`Certificate Request:\n    Data: ...\n${pem}`, 'app.csr');
    expect(csr.publicKey).toBe('ECDSA P-256');
    expect(csr.subject).toBe('O=Acme, CN=app');
    expect(csr.commonNames).toEqual(['app']);
    expect(csr.otherSubjectAttributes).toEqual(['O=Acme']);
    expect(csr.requestedSans).toEqual(parseSanList('DNS:app.corp,IP:10.0.0.1,URI:spiffe://corp/app,email:a@corp'));
    expect([...csr.unsupportedSans]).toEqual(['dn:CN=evil']);
    expect(csr.sanExtensions).toBe(1);
    expect(csr.otherExtensions).toEqual(['basicConstraints CA:TRUE']);
  });

  it('names the key of P-384, P-521 and RSA requests; refuses weak, odd or unknown keys naming the reason', async () => {
    expect((await readCsr(csrOf('/CN=a', EC('P-384')))).publicKey).toBe('ECDSA P-384');
    expect((await readCsr(csrOf('/CN=a', EC('P-521')))).publicKey).toBe('ECDSA P-521');
    expect((await readCsr(csrOf('/CN=a', RSA(2048)))).publicKey).toBe('RSA 2048 bit');
    await expect(readCsr(csrOf('/CN=a', RSA(1024)), 'weak.csr')).rejects.toMatchObject({
      message: "the CSR's key is RSA 1024 bit, weaker than the 2048 bits certrpc requires",
      file: 'weak.csr',
    });
    await expect(readCsr(csrOf('/CN=a', RSA(2048, 3)))).rejects.toThrow(
      "the CSR's RSA key has the public exponent 3; certrpc requires at least 65537",
    );
    await expect(readCsr(csrOf('/CN=a', EC('secp256k1')))).rejects.toThrow(
      "the CSR's key is on the curve secp256k1; certrpc signs P-256, P-384 and P-521 keys only",
    );
    await expect(readCsr(csrOf('/CN=a', ['-algorithm', 'ED25519']))).rejects.toThrow(
      "the CSR's key is of type ed25519; certrpc signs ECDSA (P-256, P-384, P-521) and RSA (2048 bits or more) keys only",
    );
  });

  it('refuses what is not a CSR, and a CSR whose signature does not verify', async () => {
    await expect(readCsr('hello', 'x.csr')).rejects.toThrow(/^not a readable certificate signing request: /);
    const pem = csrOf('/CN=a', EC('P-256'));
    // Flip one byte of the signature (the end of the DER): the request no longer verifies.
    const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
    der[der.length - 3] ^= 0x01;
    const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    await expect(readCsr(tampered)).rejects.toThrow(/^the CSR signature does not verify/);
  });
});

/** The DER of a PEM block, and back. */
const derOf = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s/g, ''), 'base64');
const csrPemOf = (der: Buffer) => `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;

/**
 * A CSR carrying an RSA public key of `bits` bits (a made-up modulus: no such key can be generated in
 * a test's time), signed by another key: its signature never verifies, so which refusal comes first
 * tells whether the size was judged.
 */
async function csrWithRsaModulus(bits: number): Promise<string> {
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const signer = (await subtle.generateKey({ ...alg, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const n = Buffer.alloc(Math.ceil(bits / 8), 0xff);
  if (bits % 8) n[0] = (1 << (bits % 8)) - 1;
  const spki = createPublicKey({ key: { kty: 'RSA', n: n.toString('base64url'), e: 'AQAB' }, format: 'jwk' }).export({
    type: 'spki',
    format: 'der',
  });
  const publicKey = await subtle.importKey('spki', spki, alg, true, ['verify']);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: 'CN=a',
    keys: { publicKey, privateKey: signer.privateKey },
    signingAlgorithm: alg,
  });
  return csr.toString('pem');
}

/** Every refusal of a CSR names the file and a fix that makes the CSR again (with openssl req). */
const refusal = (reason: RegExp) => ({
  message: expect.stringMatching(reason),
  file: 'in.csr',
  fix: expect.stringContaining('openssl req -new'),
});

describe('readCsr: a request is hostile input', () => {
  it('refuses each weak, odd or unreadable key with its own reason, naming the file and how to make the CSR again', async () => {
    await expect(readCsr(csrOf('/CN=a', RSA(1024)), 'in.csr')).rejects.toMatchObject(refusal(/RSA 1024 bit/));
    await expect(readCsr(csrOf('/CN=a', RSA(2048, 3)), 'in.csr')).rejects.toMatchObject(refusal(/exponent 3\b/));
    await expect(readCsr(csrOf('/CN=a', EC('secp256k1')), 'in.csr')).rejects.toMatchObject(refusal(/secp256k1/));
    await expect(readCsr(csrOf('/CN=a', ['-algorithm', 'ED25519']), 'in.csr')).rejects.toMatchObject(refusal(/ed25519/));
    // A key algorithm Node cannot read at all (the Ed25519 OID 1.3.101.112 turned into 1.3.101.99).
    const ed = derOf(csrOf('/CN=a', ['-algorithm', 'ED25519']));
    ed[ed.indexOf(Buffer.from('06032b6570', 'hex')) + 4] = 0x63;
    await expect(readCsr(csrPemOf(ed), 'in.csr')).rejects.toMatchObject(refusal(/cannot read/));
    // A P-256 key stated with explicit curve parameters instead of the curve's name.
    const explicitKey = join(tmp.dir, 'explicit.key');
    execFileSync('openssl', ['ecparam', '-name', 'prime256v1', '-param_enc', 'explicit', '-genkey', '-noout', '-out', explicitKey]);
    const explicitCsr = execFileSync('openssl', ['req', '-new', '-key', explicitKey, '-subj', '/CN=a']).toString();
    await expect(readCsr(explicitCsr, 'in.csr')).rejects.toMatchObject(refusal(/signature cannot be checked/));
  });

  it('refuses an RSA modulus over 16384 bits before anything else; 16384 bits is judged by its signature', async () => {
    await expect(readCsr(await csrWithRsaModulus(16385), 'in.csr')).rejects.toMatchObject(refusal(/RSA 16385 bit/));
    await expect(readCsr(await csrWithRsaModulus(16384), 'in.csr')).rejects.toMatchObject({
      message: expect.stringMatching(/^the CSR signature does not verify/),
      file: 'in.csr',
      fix: expect.stringContaining('on the host that holds the key'),
    });
  });

  it('refuses a signature made with an algorithm it cannot check, and what is not a CSR, naming the file', async () => {
    const der = derOf(csrOf('/CN=a', EC('P-256')));
    // The outer signatureAlgorithm ecdsa-with-SHA256 (1.2.840.10045.4.3.2) turned into 1.2.840.10045.4.3.9.
    der[der.lastIndexOf(Buffer.from('06082a8648ce3d040302', 'hex')) + 9] = 0x09;
    await expect(readCsr(csrPemOf(der), 'in.csr')).rejects.toMatchObject(refusal(/signature cannot be checked/));
    await expect(readCsr('hello', 'in.csr')).rejects.toMatchObject({ file: 'in.csr', fix: expect.stringContaining('openssl req -new') });
  });

  it("reports the CA and usage extensions a request asks for; the signer issues the profile's alone", async () => {
    const pem = csrOf('/CN=app', EC('P-256'), [
      '-addext',
      'basicConstraints=CA:FALSE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
      '-addext',
      'extendedKeyUsage=serverAuth,codeSigning',
      '-addext',
      'nsComment=hi',
    ]);
    const request = await readCsr(pem);
    expect(request.otherExtensions).toEqual(['basicConstraints CA:FALSE', 'keyUsage', 'extendedKeyUsage', '2.16.840.1.113730.1.13']);
    const asksCa = csrOf('/CN=app', EC('P-256'), [
      '-addext',
      'basicConstraints=critical,CA:TRUE,pathlen:3',
      '-addext',
      'keyUsage=keyCertSign',
    ]);
    for (const csr of [pem, asksCa]) {
      const issued = await signCsr(ca, csr, { profile: 'client' });
      const node = new X509Certificate(issued.toString('pem'));
      expect(node.ca).toBe(false);
      expect(node.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      expect(issued.getExtension(x509.KeyUsagesExtension)?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
      expect(issued.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
      expect(issued.getExtension('2.16.840.1.113730.1.13')).toBeNull();
    }
  });
});

let ca: SigningCa;
beforeAll(async () => {
  const pair = await createCa({ commonName: 'csr CA' });
  ca = await loadSigningCa(pair.certPem, pair.keyPem);
});

let configFile: string | undefined;
function writeConfig(): string {
  if (configFile) return configFile;
  configFile = join(tmp.dir, 'req.cnf');
  writeFileSync(configFile, '[req]\ndistinguished_name = dn\n[dn]\n[dir_sect]\nCN = evil\n');
  return configFile;
}

describe('signCsr: the signer decides the identity', () => {
  it("takes the CSR's single CN and only the signer's SANs; the CSR's names only when accepted", async () => {
    const pem = csrOf('/O=Acme/CN=app', EC('P-256'), ['-addext', 'subjectAltName=DNS:app.corp,DNS:evil.corp']);
    const plain = new X509Certificate(
      (await signCsr(ca, pem, { profile: 'server', sans: parseSanList('DNS:signer.corp') })).toString('pem'),
    );
    expect(plain.subject).toBe('CN=app');
    expect(plain.subjectAltName).toBe('DNS:signer.corp');
    const accepted = new X509Certificate(
      (await signCsr(ca, pem, { profile: 'server', sans: parseSanList('DNS:app.corp'), acceptCsrNames: true })).toString('pem'),
    );
    expect(accepted.subjectAltName).toBe('DNS:app.corp, DNS:evil.corp');
    const named = new X509Certificate((await signCsr(ca, pem, { profile: 'client', commonName: 'other' })).toString('pem'));
    expect(named.subject).toBe('CN=other');
    expect(named.subjectAltName).toBeUndefined();
  });

  it('each refusal of what a CSR asks names its code and the file; duplicates are issued once; RSA requests are signed', async () => {
    const keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const san = (value: string) => new x509.SubjectAlternativeNameExtension([{ type: 'dns', value }]);
    const two = await x509.Pkcs10CertificateRequestGenerator.create({
      name: 'CN=app',
      keys,
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      extensions: [san('a.corp'), san('b.corp')],
    });
    await expect(signCsr(ca, two.toString('pem'), { profile: 'client', acceptCsrNames: true }, 'in.csr')).rejects.toMatchObject({
      code: 'CSR_SAN_EXTENSIONS',
      file: 'in.csr',
      fix: expect.stringContaining('acceptCsrNames'),
    });
    expect((await signCsr(ca, two.toString('pem'), { profile: 'client' })).getExtension(x509.SubjectAlternativeNameExtension)).toBeNull();
    await expect(signCsr(ca, csrOf('/CN=a\tb', EC('P-256'), ['-utf8']), { profile: 'client' }, 'in.csr')).rejects.toMatchObject({
      code: 'CSR_BAD_CN',
      file: 'in.csr',
      fix: expect.stringContaining('commonName'),
    });
    const odd = csrOf('/CN=app', EC('P-256'), ['-addext', 'subjectAltName=DNS:ok.corp,dirName:dir_sect', '-config', writeConfig()]);
    await expect(signCsr(ca, odd, { profile: 'client', acceptCsrNames: true }, 'in.csr')).rejects.toMatchObject({
      code: 'CSR_UNSUPPORTED_SANS',
      file: 'in.csr',
      fix: expect.stringContaining('acceptCsrNames'),
    });
    const badName = csrOf('/CN=app', EC('P-256'), ['-addext', 'subjectAltName=DNS:bad name']);
    await expect(signCsr(ca, badName, { profile: 'client', acceptCsrNames: true }, 'in.csr')).rejects.toMatchObject({
      code: 'CSR_BAD_SAN',
      file: 'in.csr',
    });
    const dup = csrOf('/CN=app', EC('P-256'), ['-addext', 'subjectAltName=DNS:app.corp,DNS:app.corp']);
    const once = await signCsr(ca, dup, { profile: 'server', sans: parseSanList('DNS:app.corp'), acceptCsrNames: true });
    expect(new X509Certificate(once.toString('pem')).subjectAltName).toBe('DNS:app.corp');
    const rsa = new X509Certificate((await signCsr(ca, csrOf('/CN=r', RSA(2048)), { profile: 'client' })).toString('pem'));
    expect([rsa.publicKey.asymmetricKeyType, rsa.verify(new X509Certificate(ca.certPem).publicKey)]).toEqual(['rsa', true]);
  });

  it('refuses to guess the CN, a bad CN, a server certificate without names, and names certrpc does not issue', async () => {
    await expect(signCsr(ca, csrOf('/O=Acme', EC('P-256')), { profile: 'client' })).rejects.toMatchObject({
      message: 'the CSR has no common name',
      code: 'CSR_NO_CN',
      fix: 'state it: the commonName option',
    });
    await expect(signCsr(ca, csrOf('/CN=a/CN=b', EC('P-256')), { profile: 'client' })).rejects.toThrow(
      'the CSR has 2 common names (a, b); which one is the identity would be a guess',
    );
    await expect(signCsr(ca, csrOf('/CN=a\tb', EC('P-256'), ['-utf8']), { profile: 'client' })).rejects.toThrow(
      'the CSR\'s common name "a\\tb" holds control characters',
    );
    await expect(
      signCsr(ca, csrOf('/CN=app', EC('P-256'), ['-addext', 'subjectAltName=DNS:app.corp']), { profile: 'server' }),
    ).rejects.toMatchObject({
      message:
        'a server certificate needs at least one subject alternative name (clients check the name they dial against the SANs, not the CN), and none was stated',
      code: 'CSR_NO_SANS_STATED',
      fix: 'state them as sans, e.g. DNS:host.example,IP:10.0.0.5, or copy the ones the CSR asks for (acceptCsrNames)',
    });
    await expect(signCsr(ca, csrOf('/CN=app', EC('P-256')), { profile: 'server' })).rejects.toMatchObject({
      code: 'CSR_NO_SANS',
      fix: 'state them as sans, e.g. DNS:host.example,IP:10.0.0.5',
    });
    const odd = csrOf('/CN=app', EC('P-256'), ['-addext', 'subjectAltName=DNS:ok.corp,dirName:dir_sect', '-config', writeConfig()]);
    await expect(signCsr(ca, odd, { profile: 'client', acceptCsrNames: true })).rejects.toThrow(
      'the CSR asks for names certrpc does not issue: dn:CN=evil',
    );
    expect((await signCsr(ca, odd, { profile: 'client' })).subject).toBe('CN=app');
  });
});
