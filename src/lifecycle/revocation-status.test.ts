// The issuer of a certificate, for its revocation status, is the CA whose signature verifies, not
// the first CA whose name matches: with two CAs of one name (a CA and an impostor, or an external CA
// without key identifiers), the wrong one's CRL would say "not revoked".
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { demoPki } from '../../test/helpers/pki';
import { opensslSelfSigned, opensslSigned } from '../../test/helpers/openssl-pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { loadSigningCa } from '../pki/ca';
import { createCrl } from '../pki/crl';
import { serialHex } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { revocationOf } from './revocation-status';

const NO_KEY_IDS = ['subjectKeyIdentifier=none', 'authorityKeyIdentifier=none'];

describe('revocation status: the issuer is found by signature', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let root: X509Certificate;
  let twin: X509Certificate;
  let leaf: X509Certificate;
  const nextUpdate = new Date(Date.now() + 86_400_000);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    root = new X509Certificate(readFileSync(pki.caCertFile));
    // A second CA with the directory CA's exact name and no key identifiers, and a leaf it signed
    // without an authority key identifier: only the signature tells the two CAs apart.
    const twinFiles = opensslSelfSigned(tmp.dir, 'twin', `/CN=${root.subject.replace(/^CN=/, '')}`, {
      addext: ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', ...NO_KEY_IDS],
    });
    twin = new X509Certificate(twinFiles.certPem);
    const leafFiles = opensslSigned(tmp.dir, 'leaf', '/CN=carol', twinFiles, [
      'basicConstraints=CA:FALSE',
      'extendedKeyUsage=clientAuth',
      ...NO_KEY_IDS,
    ]);
    leaf = new X509Certificate(leafFiles.certPem);
    expect(leaf.checkIssued(root)).toBe(true); // by name alone, the directory's CA "issued" it

    // crl.pem: the directory CA's CRL lists nothing, the twin's lists the leaf.
    const rootCa = await pki.loadCa();
    const twinCa = await loadSigningCa(twinFiles.certPem, twinFiles.keyPem);
    const revoked = { serial: serialHex(leaf), revokedAt: new Date(), reason: 'keyCompromise' as const };
    writeFileSync(
      pki.crlFile,
      (await createCrl(rootCa, [], { crlNumber: 1, nextUpdate })) + (await createCrl(twinCa, [revoked], { crlNumber: 1, nextUpdate })),
    );
  });
  afterAll(() => tmp.cleanup());

  it("a leaf named as the directory CA's but signed by its twin is checked against the twin's CRL (listed first or not)", async () => {
    for (const trusted of [
      [root, twin],
      [twin, root],
    ]) {
      const status = await revocationOf(leaf, pki, trusted);
      expect(status.revoked).toMatchObject({ serial: serialHex(leaf), reason: 'keyCompromise', source: pki.crlFile });
    }
  });
});
