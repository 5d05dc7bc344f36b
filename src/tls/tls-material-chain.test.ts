// loadTlsMaterial and loadRevocation beyond one root CA: the intermediates of the server's own chain
// (their CRLs are demanded too, because OpenSSL then checks revocation for the whole chain), CRLs of
// CAs outside the bundle (handed to OpenSSL only), trust files holding a leaf, and loadRevocation
// keeping a CRL in force. Real certificates made by certrpc's PKI library in this process.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openssl, opensslSelfSigned, opensslSigned } from '../../test/helpers/openssl-pki';
import { demoPki, otherCa } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, createIntermediateCa, loadSigningCa, SigningCa } from '../pki/ca';
import { createCrl } from '../pki/crl';
import { issueCertificate } from '../pki/issue';
import { crlPemBlocks, pemBlocks } from '../pki/pem';
import { parseSanList } from '../pki/subject-alt-names';
import { publishCrls } from '../lifecycle/publish-crl';
import { PkiDir } from '../store/pki-dir';
import { loadRevocation, loadTlsMaterial } from './tls-material-files';

describe('loadTlsMaterial: chains and foreign CRLs; loadRevocation', () => {
  const tmp = tempDir();
  const file = (name: string, text: string) => {
    const path = join(tmp.dir, name);
    writeFileSync(path, text);
    return path;
  };
  const pem = (...blocks: string[]) => blocks.map((b) => b.trim() + '\n').join('');
  const crlOf = (ca: SigningCa) => createCrl(ca, [], { crlNumber: 1, nextUpdate: new Date(Date.now() + 86_400_000) });
  const signing = async (made: { certPem: string; keyPem: string }) => loadSigningCa(made.certPem, made.keyPem, {}, made.certPem);
  let root: SigningCa;
  let upper: SigningCa;
  let lower: SigningCa;
  let rootFile: string;
  afterAll(() => tmp.cleanup());

  beforeAll(async () => {
    const madeRoot = await createCa({ commonName: 'chain root' });
    root = await loadSigningCa(madeRoot.certPem, madeRoot.keyPem);
    upper = await signing(await createIntermediateCa(root, { commonName: 'chain upper', pathLength: 1 }));
    lower = await signing(await createIntermediateCa(upper, { commonName: 'chain lower' }));
    rootFile = file('root.crt', root.certPem);
  });

  it("demands the CRL of every intermediate of the server's own chain that a trusted CA vouches for, in any order the file lists them", async () => {
    const server = await issueCertificate(lower, {
      profile: 'server',
      commonName: 'chain server',
      sans: parseSanList('DNS:localhost'),
    });
    // The chain file lists lower, then upper: upper is vouched for by the root, lower only by upper,
    // so lower is known to be vouched for only on a second pass.
    const certFile = file('server.crt', pem(pemBlocks(server.certPem)[0], lower.certPem, upper.certPem));
    const keyFile = file('server.key', server.keyPem);
    const files = { certFile, keyFile, caFiles: [rootFile] };
    const rootCrl = await crlOf(root);

    const onlyRoot = file('root-crl.pem', rootCrl);
    await expect(loadTlsMaterial({ ...files, crlFile: onlyRoot })).rejects.toMatchObject({
      file: onlyRoot,
      message: expect.stringContaining('"CN=chain upper"'),
    });
    const noLower = file('no-lower-crl.pem', pem(rootCrl, await crlOf(upper)));
    await expect(loadTlsMaterial({ ...files, crlFile: noLower })).rejects.toMatchObject({
      file: noLower,
      message: expect.stringContaining('"CN=chain lower"'),
    });
    const all = file('all-crl.pem', pem(rootCrl, await crlOf(upper), await crlOf(lower)));
    const loaded = await loadTlsMaterial({ ...files, crlFile: all });
    expect(loaded.crls.map((c) => c.issuer)).toEqual(['CN=chain root', 'CN=chain upper', 'CN=chain lower']);
    expect(crlPemBlocks(loaded.material.crlPem)).toHaveLength(3);
    expect(loaded.material.foreignCrlPem).toBeUndefined();
  });

  it('certificates in the chain file that no trusted CA signed (same name, no key identifier: only the signature tells), or that are no CA, are not asked for a CRL', async () => {
    const dir = join(tmp.dir, 'impostor');
    mkdirSync(dir);
    const noKeyIds = ['subjectKeyIdentifier=none', 'authorityKeyIdentifier=none'];
    const ca = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', ...noKeyIds];
    const impostorRoot = opensslSelfSigned(dir, 'root', '/CN=chain root', { addext: ca });
    const impostor = opensslSigned(dir, 'upper', '/CN=chain upper', impostorRoot, ca);
    const server = await issueCertificate(root, { profile: 'server', commonName: 'chain server 2', sans: parseSanList('DNS:localhost') });
    const stray = await issueCertificate(root, { profile: 'client', commonName: 'stray leaf' });
    const certFile = file('server2.crt', pem(pemBlocks(server.certPem)[0], impostor.certPem, stray.certPem));
    const keyFile = file('server2.key', server.keyPem);
    const loaded = await loadTlsMaterial({ certFile, keyFile, caFiles: [rootFile], crlFile: file('root-crl2.pem', await crlOf(root)) });
    expect(loaded.crls.map((c) => c.caFingerprint)).toEqual([new X509Certificate(root.certPem).fingerprint256]);
  });

  it('a CA given twice (a full chain file that repeats the root, a trust file named twice) needs its CRL once, and has it', async () => {
    const server = await issueCertificate(upper, { profile: 'server', commonName: 'chain server 3', sans: parseSanList('DNS:localhost') });
    const fullChain = file('fullchain.crt', pem(pemBlocks(server.certPem)[0], upper.certPem, upper.certPem, root.certPem));
    const keyFile = file('server3.key', server.keyPem);
    const crlFile = file('root-upper-crl.pem', pem(await crlOf(root), await crlOf(upper)));
    const loaded = await loadTlsMaterial({ certFile: fullChain, keyFile, caFiles: [rootFile], crlFile });
    expect(loaded.crls.map((c) => c.issuer)).toEqual(['CN=chain root', 'CN=chain upper']);

    const rootCrl = file('root-crl3.pem', await crlOf(root));
    const twice = await loadTlsMaterial({
      certFile: file('leaf3.crt', pemBlocks(server.certPem)[0]),
      keyFile,
      caFiles: [rootFile, rootFile],
      crlFile: rootCrl,
    });
    expect(twice.crls.map((c) => c.issuer)).toEqual(['CN=chain root']);
    expect((await loadRevocation({ crlFile: rootCrl, caFiles: [rootFile, rootFile] })).crls.map((c) => c.issuer)).toEqual([
      'CN=chain root',
    ]);
  });

  it('a CRL of a CA outside the bundle goes to OpenSSL only (foreignCrlPem), never among the CRLs in force', async () => {
    const pki: PkiDir = await demoPki(join(tmp.dir, 'pki'));
    const other = await otherCa(join(tmp.dir, 'other'));
    await publishCrls(pki);
    await publishCrls(other);
    const ownCrl = readFileSync(pki.crlFile, 'utf8');
    const otherCrl = readFileSync(other.crlFile, 'utf8');
    const both = file('both-crl.pem', pem(ownCrl, otherCrl));
    const loaded = await loadTlsMaterial({
      certFile: pki.certFile('server'),
      keyFile: pki.keyFile('server'),
      caFiles: [pki.caCertFile],
      crlFile: both,
    });
    expect(loaded.material.crlPem!.trim()).toBe(ownCrl.trim());
    expect(loaded.material.foreignCrlPem!.trim()).toBe(otherCrl.trim());
    expect(loaded.crls.map((c) => c.issuer)).toEqual(['CN=certrpc demo CA']);

    // A single trust file holding a leaf would make that leaf the only anchor: refused, naming the file.
    await expect(
      loadTlsMaterial({ certFile: pki.certFile('server'), keyFile: pki.keyFile('server'), caFiles: [pki.certFile('alice')] }),
    ).rejects.toMatchObject({
      file: pki.certFile('alice'),
      message: expect.stringContaining('CN=alice'),
      fix: expect.stringMatching(/\S/),
    });
  });

  it('material OpenSSL refuses (a 512-bit RSA server key) is refused at load, naming the certificate file and a fix', async () => {
    const pki: PkiDir = await demoPki(join(tmp.dir, 'pki-weak'));
    const dir = join(tmp.dir, 'weak');
    mkdirSync(dir);
    const [key, csr, ext, cert] = ['weak.key', 'weak.csr', 'weak.ext', 'weak.crt'].map((n) => join(dir, n));
    openssl('req', '-new', '-newkey', 'rsa:512', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=weak');
    writeFileSync(ext, 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost\n');
    openssl('x509', '-req', '-in', csr, '-CA', pki.caCertFile, '-CAkey', pki.caKeyFile, '-days', '2', '-extfile', ext, '-out', cert);
    await expect(loadTlsMaterial({ certFile: cert, keyFile: key, caFiles: [pki.caCertFile] })).rejects.toMatchObject({
      file: cert,
      message: expect.stringContaining('key too small'),
      fix: expect.stringMatching(/\S/),
    });
  });

  it('loadRevocation: the CRLs and CAs in force; a CRL in force stays when the file goes; no CA bundle is refused; only revocations on record by these CAs ask for a CRL', async () => {
    const pki: PkiDir = await demoPki(join(tmp.dir, 'pki-revocation'));
    await publishCrls(pki);
    const files = { crlFile: pki.crlFile, caFiles: [pki.caCertFile] };
    const loaded = await loadRevocation(files);
    expect(loaded.crlPem!.trim()).toBe(readFileSync(pki.crlFile, 'utf8').trim());
    expect(loaded.caPem.trim()).toBe(readFileSync(pki.caCertFile, 'utf8').trim());
    expect(loaded.crls.map((c) => c.issuer)).toEqual(['CN=certrpc demo CA']);

    const gone = { ...files, crlFile: join(tmp.dir, 'no-such-crl.pem') };
    await expect(loadRevocation(gone, loaded)).rejects.toMatchObject({
      file: gone.crlFile,
      message: expect.stringContaining(`"CN=certrpc demo CA" (CRL number ${loaded.crls[0].crlNumber})`),
    });
    await expect(loadRevocation(gone)).resolves.toEqual({ crlPem: undefined, caPem: loaded.caPem, crls: [] });
    await expect(loadRevocation({ ...files, caFiles: [] })).rejects.toMatchObject({
      option: 'clientCaFiles',
      message: expect.stringMatching(/\S/),
      fix: expect.stringMatching(/\S/),
    });
    // A leaf among the CA files is refused naming the option it came from.
    await expect(loadRevocation({ ...files, caFiles: [pki.certFile('alice')] })).rejects.toMatchObject({
      option: 'clientCaFiles',
      file: pki.certFile('alice'),
    });

    // Revocations on record by another CA ask nothing of these CAs: no CRL file is fine; one by "*" (every CA) is not.
    const record = (caSerial: string) => ({ serial: 'abc123', caSerial, reason: 'keyCompromise', revokedAt: new Date().toISOString() });
    const revocationsFile = file('revocations.json', JSON.stringify({ version: 1, crlNumber: 1, revoked: [record('fedcba')] }));
    await expect(loadRevocation({ ...gone, revocationsFile })).resolves.toMatchObject({ crlPem: undefined, crls: [] });
    writeFileSync(revocationsFile, JSON.stringify({ version: 1, crlNumber: 1, revoked: [record('fedcba'), record('*')] }));
    await expect(loadRevocation({ ...gone, revocationsFile })).rejects.toMatchObject({
      file: gone.crlFile,
      message: expect.stringContaining('abc123'),
    });
  });
});
