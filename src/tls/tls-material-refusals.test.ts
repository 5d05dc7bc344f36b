// What loadTlsMaterial and loadRevocation refuse before anything is used, each error word for word
// with its file, option and fix: no trust bundle, a leaf as the one trust anchor, material OpenSSL
// will not load, a CRL path that is not a file. Real PKI directories made in this process; the
// too-weak key is made by openssl (certrpc never issues one).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openssl } from '../../test/helpers/openssl-pki';
import { demoPki } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { PkiDir } from '../store/pki-dir';
import { loadRevocation, loadTlsMaterial, TlsFiles } from './tls-material-files';

describe('loadTlsMaterial and loadRevocation refuse', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let files: TlsFiles;
  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'pki'));
    files = { certFile: pki.certFile('server'), keyFile: pki.keyFile('server'), caFiles: [pki.caCertFile] };
  });
  afterAll(() => tmp.cleanup());

  it('no CA bundle at all', async () => {
    await expect(loadTlsMaterial({ ...files, caFiles: [] })).rejects.toMatchObject({
      message: 'no CA bundle given: peers cannot be verified',
      fix: 'pass the CA certificate file(s) peers must chain to',
    });
    await expect(loadRevocation({ crlFile: pki.crlFile, caFiles: [] })).rejects.toMatchObject({
      message: 'no CA bundle given: the CRL cannot be checked',
      option: 'clientCaFiles',
      fix: 'give the CA certificate file(s) whose CRLs these are',
    });
  });

  it('a leaf certificate as the trust bundle, one file or several', async () => {
    const leaf = pki.certFile('alice');
    const notACa = `"CN=alice" is not a CA certificate (no basicConstraints CA:TRUE), so it cannot vouch for other certificates`;
    await expect(loadTlsMaterial({ ...files, caFiles: [leaf] })).rejects.toMatchObject({
      message: notACa,
      file: leaf,
      fix: 'put the CA certificate(s) peers chain to in this file (the one `certrpc pki init` wrote, or a bundle of CAs)',
    });
    const several = {
      message: notACa,
      file: leaf,
      option: 'clientCaFiles',
      code: 'NOT_A_CA',
      fix: 'give clientCaFiles the CA certificate that signed the certificates to trust (e.g. DIR/ca.crt or DIR/cas/NAME/ca.crt)',
    };
    await expect(loadTlsMaterial({ ...files, caFiles: [pki.caCertFile, leaf] })).rejects.toMatchObject(several);
    await expect(loadRevocation({ crlFile: pki.crlFile, caFiles: [leaf] })).rejects.toMatchObject(several);
  });

  it('a certificate and key that belong together but that OpenSSL will not load (a 512-bit RSA key)', async () => {
    const dir = join(tmp.dir, 'weak');
    mkdirSync(dir);
    const [keyFile, csrFile, certFile] = ['weak.key', 'weak.csr', 'weak.crt'].map((f) => join(dir, f));
    openssl('genrsa', '-out', keyFile, '512');
    openssl('req', '-new', '-key', keyFile, '-subj', '/CN=weak', '-out', csrFile);
    openssl('x509', '-req', '-in', csrFile, '-CA', pki.caCertFile, '-CAkey', pki.caKeyFile, '-days', '1', '-out', certFile);
    await expect(loadTlsMaterial({ ...files, certFile, keyFile })).rejects.toMatchObject({
      message: expect.stringMatching(/^OpenSSL refused this material: error:[0-9A-F]+:SSL routines::ee key too small$/),
      file: certFile,
      fix: 'check that the files are PEM and belong together',
    });
  });

  it('a CRL path that is a directory', async () => {
    const crlDir = join(tmp.dir, 'crl-dir');
    mkdirSync(crlDir);
    await expect(loadTlsMaterial({ ...files, crlFile: crlDir })).rejects.toMatchObject({
      message: 'CRL file is a directory, not a file',
      file: crlDir,
    });
  });
});
