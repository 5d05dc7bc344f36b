// verifyCertificate on paths certrpc itself would not issue (openssl-made, cross-signed, long):
// which certificate of the path is blamed, and that every walk ends.
import { X509Certificate } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asn1Name } from '../../test/helpers/asn1-name';
import { rawCertificate, universalStringName } from '../../test/helpers/raw-certificate';
import { opensslSelfSigned, opensslSigned } from '../../test/helpers/openssl-pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, createIntermediateCa, loadSigningCa, SigningCa } from './ca';
import { generateKeyPair, signingAlgorithm, x509 } from './crypto';
import { issueCertificate } from './issue';
import { pemBlocks } from './pem';
import { randomSerial } from './serial';
import { serialHex, verifyCertificate } from './verify';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const node = (pem: string) => new X509Certificate(pem);
const day = 86_400_000;

let root: SigningCa;
let rootCert: X509Certificate;
let inter: SigningCa;
/** The root as files, for openssl to sign with. */
const rootFiles = { certFile: join(tmp.dir, 'root.crt'), keyFile: join(tmp.dir, 'root.key') };
beforeAll(async () => {
  const r = await createCa({ commonName: 'paths root' });
  root = await loadSigningCa(r.certPem, r.keyPem);
  rootCert = node(r.certPem);
  writeFileSync(rootFiles.certFile, r.certPem);
  writeFileSync(rootFiles.keyFile, r.keyPem, { mode: 0o600 });
  const i = await createIntermediateCa(root, { commonName: 'paths intermediate' });
  inter = await loadSigningCa(i.certPem, i.keyPem, {}, i.certPem);
});

/** A chain of `n` intermediates under the root (pathLen 20 each); the leaf's issuer comes first. */
async function intermediates(n: number): Promise<{ signer: SigningCa; chain: X509Certificate[] }> {
  let signer = root;
  const chain: X509Certificate[] = [];
  for (let i = 0; i < n; i++) {
    const next = await createIntermediateCa(signer, { commonName: `link ${i}`, pathLength: 20 });
    signer = await loadSigningCa(next.certPem, next.keyPem);
    chain.unshift(node(next.certPem));
  }
  return { signer, chain };
}

describe('verifyCertificate: which link fails, and why', () => {
  it("a certificate without key identifiers that only names a trusted CA is not that CA's: the signature decides", () => {
    // An impostor with the trusted root's name and no key identifiers signs a leaf without an AKI.
    const impostor = opensslSelfSigned(tmp.dir, 'impostor', '/CN=paths root', {
      addext: [
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign',
        'subjectKeyIdentifier=none',
        'authorityKeyIdentifier=none',
      ],
    });
    const forged = node(
      opensslSigned(tmp.dir, 'forged', '/CN=forged', impostor, [
        'basicConstraints=CA:FALSE',
        'subjectKeyIdentifier=none',
        'authorityKeyIdentifier=none',
      ]).certPem,
    );
    expect(forged.checkIssued(rootCert)).toBe(true); // by name alone, the trusted root "issued" it
    const result = verifyCertificate(forged, [rootCert]);
    expect(result).toMatchObject({ ok: false, code: 'CERT_SIGNATURE_FAILURE', chain: ['CN=forged'] });
    expect(result.reason).toContain('"CN=paths root"');
    expect(verifyCertificate(forged, [node(impostor.certPem)])).toMatchObject({ ok: true, chain: ['CN=forged', 'CN=paths root'] });
  });

  it('a certificate signed by one that is not a CA is refused, naming the signer', () => {
    // No keyUsage: OpenSSL's issuer check then looks at names and keys only, so the signer is found, and is no CA.
    const notCa = opensslSigned(tmp.dir, 'notca', '/CN=not a CA', rootFiles, [
      'basicConstraints=critical,CA:FALSE',
      'subjectKeyIdentifier=hash',
    ]);
    const leaf = node(opensslSigned(tmp.dir, 'under-leaf', '/CN=under', notCa, ['basicConstraints=CA:FALSE']).certPem);
    const result = verifyCertificate(leaf, [rootCert], { intermediates: [node(notCa.certPem)] });
    expect(result).toMatchObject({ ok: false, code: 'INVALID_CA', chain: ['CN=under'] });
    expect(result.reason).toContain('"CN=not a CA"');
  });

  it('an intermediate whose issuer is unknown is named as the link the path stops at', async () => {
    const { certPem } = await issueCertificate(inter, { profile: 'client', commonName: 'leaf' });
    const [leaf, sent] = pemBlocks(certPem).map(node);
    const stranger = node((await createCa({ commonName: 'stranger' })).certPem);
    const result = verifyCertificate(leaf, [stranger], { intermediates: [sent] });
    expect(result).toMatchObject({ ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', chain: ['CN=leaf', 'CN=paths intermediate'] });
    expect(result.reason).toContain('via "CN=paths intermediate"');
    expect(result.reason).toContain('"CN=paths root"');
  });

  it('a CA of the path not yet valid, or revoked, is the one named', async () => {
    const now = Date.now();
    const { certPem } = await issueCertificate(inter, {
      profile: 'client',
      commonName: 'early',
      validity: { notBefore: new Date(now - 30 * day), notAfter: new Date(now + day) },
    });
    const [leaf, sent] = pemBlocks(certPem).map(node);
    const early = verifyCertificate(leaf, [rootCert], { intermediates: [sent], now: new Date(now - 10 * day) });
    expect(early).toMatchObject({ ok: false, code: 'CERT_NOT_YET_VALID', chain: ['CN=early'] });
    expect(early.reason).toMatch(/^CA "CN=paths intermediate" /);
    const revoked = verifyCertificate(leaf, [rootCert], { intermediates: [sent], revokedSerials: new Set([serialHex(sent)]) });
    expect(revoked).toMatchObject({ ok: false, code: 'CERT_REVOKED', chain: ['CN=early'] });
    expect(revoked.reason).toContain(`CA "CN=paths intermediate" (serial ${serialHex(sent)})`);
    expect(revoked.reason).toContain('"CN=early"');
  });
});

describe('verifyCertificate: the walk is bounded', () => {
  it('a CA allows as many CAs below it as its pathLen says, and no more: refused as OpenSSL refuses it, with the CA named', async () => {
    const under = async (pathLength: number) => {
      const a = await createIntermediateCa(root, { commonName: `pathlen ${pathLength}`, pathLength });
      const b = await createIntermediateCa(await loadSigningCa(a.certPem, a.keyPem), { commonName: 'second intermediate' });
      const leaf = await issueCertificate(await loadSigningCa(b.certPem, b.keyPem), { profile: 'client', commonName: 'deep' });
      const files = { leaf: join(tmp.dir, `deep-${pathLength}.crt`), chain: join(tmp.dir, `deep-${pathLength}-chain.crt`) };
      writeFileSync(files.leaf, pemBlocks(leaf.certPem)[0]);
      writeFileSync(files.chain, `${b.certPem.trim()}\n${a.certPem.trim()}\n`);
      const openssl = spawnSync('openssl', ['verify', '-CAfile', rootFiles.certFile, '-untrusted', files.chain, files.leaf], {
        encoding: 'utf8',
      });
      const ours = verifyCertificate(node(leaf.certPem), [rootCert], { intermediates: [node(b.certPem), node(a.certPem)] });
      return { ours, openssl: `${openssl.stdout}${openssl.stderr}`, opensslOk: openssl.status === 0 };
    };
    const tooDeep = await under(0);
    expect(tooDeep.ours).toMatchObject({
      ok: false,
      code: 'PATH_LENGTH_EXCEEDED',
      reason: 'CA "CN=pathlen 0" has pathlen:0, and the path to certificate "CN=deep" has 1 CA certificate(s) below it',
    });
    expect(tooDeep.opensslOk).toBe(false);
    expect(tooDeep.openssl).toMatch(/path length constraint exceeded/);
    const deepEnough = await under(1);
    expect(deepEnough.ours).toMatchObject({ ok: true, code: 'OK' });
    expect(deepEnough.opensslOk).toBe(true);
  });

  it("a CA's rollover certificate (self-issued: same name, new key) does not count towards pathLen, as in OpenSSL 3", () => {
    const caLines = [
      'basicConstraints=critical,CA:TRUE',
      'keyUsage=critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid',
    ];
    const judge = (pathLength: number) => {
      const dir = join(tmp.dir, `rollover-${pathLength}`);
      mkdirSync(dir);
      const rootCa = opensslSelfSigned(dir, 'root', '/CN=rollover root', {
        addext: [`basicConstraints=critical,CA:TRUE,pathlen:${pathLength}`, 'keyUsage=critical,keyCertSign,cRLSign'],
      });
      const rollover = opensslSigned(dir, 'rollover', '/CN=rollover root', rootCa, caLines);
      const issuing = opensslSigned(dir, 'issuing', '/CN=rollover issuing', rollover, caLines);
      const leaf = opensslSigned(dir, 'leaf', '/CN=rolled', issuing, [
        'basicConstraints=CA:FALSE',
        'extendedKeyUsage=clientAuth',
        ...caLines.slice(2),
      ]);
      const chainFile = join(dir, 'chain.crt');
      writeFileSync(chainFile, issuing.certPem + rollover.certPem);
      const openssl = spawnSync('openssl', ['verify', '-CAfile', rootCa.certFile, '-untrusted', chainFile, leaf.certFile], {
        encoding: 'utf8',
      });
      const ours = verifyCertificate(node(leaf.certPem), [node(rootCa.certPem)], {
        intermediates: [node(issuing.certPem), node(rollover.certPem)],
      });
      return { ours, opensslOk: openssl.status === 0 };
    };
    // Two CAs below the root, one of them self-issued: pathlen:1 allows the path, pathlen:0 does not.
    const allowed = judge(1);
    expect(allowed.opensslOk).toBe(true);
    expect(allowed.ours).toMatchObject({ ok: true, chain: ['CN=rolled', 'CN=rollover issuing', 'CN=rollover root', 'CN=rollover root'] });
    const refused = judge(0);
    expect(refused.opensslOk).toBe(false);
    expect(refused.ours).toMatchObject({
      ok: false,
      code: 'PATH_LENGTH_EXCEEDED',
      reason: 'CA "CN=rollover root" has pathlen:0, and the path to certificate "CN=rolled" has 1 CA certificate(s) below it',
    });
  });

  it('a CA named in a UniversalString is never taken as self-issued: asn1js reads U+10049 as "I", OpenSSL does not', () => {
    // root (pathlen:1) -> "title=Issuing" (pathlen:0) -> "title=\u{10049}ssuing" -> leaf: the third CA is
    // not self-issued to OpenSSL, so it counts and the path is one CA too long for "Issuing".
    const title = '2.5.4.12';
    const rootCa = rawCertificate(asn1Name([['2.5.4.3', 'universal root']]), undefined, { pathLength: 1 });
    const issuing = rawCertificate(asn1Name([[title, 'Issuing']]), rootCa, { pathLength: 0 });
    const odd = rawCertificate(universalStringName(title, '\u{10049}ssuing'), issuing, { pathLength: 0 });
    const leaf = rawCertificate(asn1Name([['2.5.4.3', 'leaf']]), odd);
    const pem = (c: { der: Buffer }) => new X509Certificate(c.der).toString();
    const files = {
      root: join(tmp.dir, 'universal-root.crt'),
      chain: join(tmp.dir, 'universal-chain.crt'),
      leaf: join(tmp.dir, 'universal-leaf.crt'),
    };
    writeFileSync(files.root, pem(rootCa));
    writeFileSync(files.chain, pem(odd) + pem(issuing));
    writeFileSync(files.leaf, pem(leaf));
    const openssl = spawnSync('openssl', ['verify', '-CAfile', files.root, '-untrusted', files.chain, files.leaf], { encoding: 'utf8' });
    expect(`${openssl.stdout}${openssl.stderr}`).toMatch(/path length constraint exceeded/);
    const ours = verifyCertificate(new X509Certificate(leaf.der), [new X509Certificate(rootCa.der)], {
      intermediates: [new X509Certificate(odd.der), new X509Certificate(issuing.der)],
    });
    expect(ours).toMatchObject({ ok: false, code: 'PATH_LENGTH_EXCEEDED' });
    expect(ours.reason).toMatch(
      /^CA "title=Issuing" has pathlen:0, and the path to certificate "CN=leaf" has 1 CA certificate\(s\) below it$/,
    );
  });

  it('a proxy certificate (RFC 3820) is refused, as OpenSSL refuses it in every handshake', () => {
    const dir = join(tmp.dir, 'proxy');
    mkdirSync(dir);
    // digitalSignature on the CA: without it Node's checkIssued refuses a proxy certificate's issuer already.
    const ca = opensslSelfSigned(dir, 'ca', '/CN=proxy root', { addext: ['keyUsage=critical,keyCertSign,digitalSignature'] });
    const proxy = opensslSigned(dir, 'proxy', '/CN=proxy', ca, [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature',
      'proxyCertInfo=critical,language:id-ppl-anyLanguage',
    ]);
    const openssl = spawnSync('openssl', ['verify', '-CAfile', ca.certFile, proxy.certFile], { encoding: 'utf8' });
    expect(`${openssl.stdout}${openssl.stderr}`).toMatch(/proxy certificates not allowed/);
    expect(verifyCertificate(node(proxy.certPem), [node(ca.certPem)])).toMatchObject({
      ok: false,
      code: 'PROXY_CERTIFICATES_NOT_ALLOWED',
      reason: '"CN=proxy" is a proxy certificate (RFC 3820 proxyCertInfo), which TLS peers refuse',
    });
  });

  it('walks up to 8 certificates: a leaf under 7 intermediates verifies, under 8 it does not', async () => {
    const seven = await intermediates(7);
    const leaf7 = node((await issueCertificate(seven.signer, { profile: 'client', commonName: 'deep7' })).certPem);
    expect(verifyCertificate(leaf7, [rootCert], { intermediates: seven.chain })).toMatchObject({ ok: true });
    expect(verifyCertificate(leaf7, [rootCert], { intermediates: seven.chain }).chain).toHaveLength(9);
    const eight = await intermediates(8);
    const leaf8 = node((await issueCertificate(eight.signer, { profile: 'client', commonName: 'deep8' })).certPem);
    const result = verifyCertificate(leaf8, [rootCert], { intermediates: eight.chain });
    expect(result).toMatchObject({ ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    expect(result.reason).toContain('within 8 certificates');
  });

  it('two CAs that signed each other (a loop) end the walk, unverified', async () => {
    const a = await generateKeyPair('ecdsa-p256');
    const b = await generateKeyPair('ecdsa-p256');
    const caCert = async (subject: string, keys: CryptoKeyPair, issuer: string, signer: CryptoKeyPair) =>
      x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject,
        issuer,
        notBefore: new Date(Date.now() - day),
        notAfter: new Date(Date.now() + 30 * day),
        publicKey: keys.publicKey,
        signingKey: signer.privateKey,
        signingAlgorithm: signingAlgorithm('ecdsa-p256'),
        extensions: [
          new x509.BasicConstraintsExtension(true, 20, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
          await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
          await x509.AuthorityKeyIdentifierExtension.create(signer.publicKey),
        ],
      });
    const aByB = await caCert('CN=loop A', a, 'CN=loop B', b);
    const bByA = await caCert('CN=loop B', b, 'CN=loop A', a);
    const signerA: SigningCa = { cert: aByB, certPem: aByB.toString('pem'), key: a.privateKey, keyType: 'ecdsa-p256' };
    const leaf = node((await issueCertificate(signerA, { profile: 'client', commonName: 'looped', days: 1 })).certPem);
    const result = verifyCertificate(leaf, [rootCert], { intermediates: [node(aByB.toString('pem')), node(bByA.toString('pem'))] });
    expect(result).toMatchObject({ ok: false, code: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' });
    expect(result.chain.slice(0, 4)).toEqual(['CN=looped', 'CN=loop A', 'CN=loop B', 'CN=loop A']);
  });
});
