// The one loader of TLS files, and revocation failing closed across reloads (crl-continuity.ts), on
// real PKI directories made in this process (CLI proof: test/e2e/revocation-fail-closed.test.ts).
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoPki, otherCa } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { publishCrls } from '../lifecycle/publish-crl';
import { revokeCertificate } from '../lifecycle/revoke';
import { serialHex } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { checkCrlsNotOlder, CrlFacts, isMissing } from './crl-continuity';
import { describeTls, loadTlsMaterial, TlsFiles } from './tls-material-files';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('loadTlsMaterial', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let files: TlsFiles;
  let caFingerprint: string;
  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'pki'));
    files = {
      certFile: pki.certFile('server'),
      keyFile: pki.keyFile('server'),
      caFiles: [pki.caCertFile],
      crlFile: pki.crlFile,
      revocationsFile: pki.revocationsFile,
    };
    caFingerprint = new X509Certificate(readFileSync(pki.caCertFile)).fingerprint256;
  });
  afterAll(() => tmp.cleanup());

  it('reads certificate, key and trust; no CRL file and nothing on record: no revocation checking', async () => {
    const loaded = await loadTlsMaterial(files);
    const server = new X509Certificate(readFileSync(pki.certFile('server')));
    expect(loaded.material).toEqual({
      certPem: readFileSync(pki.certFile('server'), 'utf8'),
      keyPem: readFileSync(pki.keyFile('server'), 'utf8'),
      clientCaPem: readFileSync(pki.caCertFile, 'utf8'),
    });
    expect(loaded.certificate).toEqual({
      subject: server.subject.replace(/\n/g, ', '),
      serial: serialHex(server),
      notAfter: new Date(server.validTo),
    });
    expect(loaded.cas.map((c) => c.subject)).toEqual(['CN=certrpc demo CA']);
    expect(loaded.crls).toEqual([]);
    expect(describeTls(loaded)).toEqual({
      certificate: {
        subject: loaded.certificate.subject,
        serial: loaded.certificate.serial,
        notAfter: loaded.certificate.notAfter.toISOString(),
      },
      cas: [`CN=certrpc demo CA (serial ${loaded.cas[0].serial})`],
      crls: [],
    });
    await expect(loadTlsMaterial({ ...files, caFiles: [] })).rejects.toMatchObject({
      message: 'no CA bundle given: peers cannot be verified',
      fix: expect.stringMatching(/\S/),
    });
  });

  it('with a CRL: the CRL joins the material, and its facts are known', async () => {
    const published = await publishCrls(pki);
    const loaded = await loadTlsMaterial(files);
    expect(loaded.material.crlPem).toContain('-----BEGIN X509 CRL-----');
    // X.509 times have whole seconds.
    const nextUpdate = new Date(Math.floor(published.nextUpdate.getTime() / 1000) * 1000);
    expect(loaded.crls).toEqual([
      { issuer: 'CN=certrpc demo CA', caFingerprint, crlNumber: published.crlNumber, thisUpdate: expect.any(Date), nextUpdate, revoked: 0 },
    ]);
    expect(describeTls(loaded).crls).toEqual([
      {
        issuer: 'CN=certrpc demo CA',
        crlNumber: published.crlNumber,
        revoked: 0,
        thisUpdate: loaded.crls[0].thisUpdate.toISOString(),
        nextUpdate: nextUpdate.toISOString(),
      },
    ]);
  });

  it('a CRL in force is replaced only by a newer one: a missing or older crl.pem is refused, the same or a newer one is taken', async () => {
    const first = await loadTlsMaterial(files);
    const older = join(tmp.dir, 'older-crl.pem');
    copyFileSync(pki.crlFile, older);
    await revokeCertificate(pki, { name: 'bob' }, { reason: 'keyCompromise' });
    const second = await loadTlsMaterial(files, first);
    expect(second.crls[0].revoked).toBe(1);
    expect(second.crls[0].crlNumber).toBe(first.crls[0].crlNumber! + 1);
    await expect(loadTlsMaterial(files, second)).resolves.toBeDefined();

    const current = readFileSync(pki.crlFile);
    try {
      copyFileSync(older, pki.crlFile);
      await expect(loadTlsMaterial(files, second)).rejects.toThrow(
        new RegExp(
          `^the CRL of "CN=certrpc demo CA" in this file \\(CRL number ${first.crls[0].crlNumber}, issued .*\\) is older than the one in force \\(CRL number ${second.crls[0].crlNumber}, issued .*\\): an old copy could bring revoked certificates back, so the one in force stays$`,
        ),
      );
      // Without one in force (a restart), revocations.json says that copy is stale.
      const bob = serialHex(new X509Certificate(readFileSync(pki.certFile('bob'))));
      await expect(loadTlsMaterial(files)).rejects.toThrow(
        new RegExp(
          `^the CRL of "CN=certrpc demo CA" \\(CRL number ${first.crls[0].crlNumber}\\) does not list serial ${bob} \\("bob"\\), revoked at .* according to ${escape(pki.revocationsFile)}: this crl.pem is older than the record$`,
        ),
      );
      // The record is only checked when given.
      await expect(loadTlsMaterial({ ...files, revocationsFile: undefined })).resolves.toBeDefined();
      rmSync(pki.crlFile);
      await expect(loadTlsMaterial(files, second)).rejects.toThrow(
        `missing: the CRL of "CN=certrpc demo CA" (CRL number ${second.crls[0].crlNumber}) was in force and stays in force; without it, revoked certificates would be accepted again`,
      );
      await expect(loadTlsMaterial(files)).rejects.toThrow(
        `missing, but ${pki.revocationsFile} records 1 revocation by the trusted CAs (serial ${bob} ("bob")): without a CRL those certificates would be accepted`,
      );
      // A CRL in force for a CA no longer trusted does not hold the file to it.
      await expect(
        loadTlsMaterial(
          { ...files, revocationsFile: undefined },
          { ...second, crls: second.crls.map((c) => ({ ...c, caFingerprint: 'AA' })) },
        ),
      ).resolves.toMatchObject({ crls: [] });
    } finally {
      writeFileSync(pki.crlFile, current);
    }
  });

  it('every trusted CA needs a CRL; a CRL of a CA outside the bundle is left out', async () => {
    const other = await otherCa(join(tmp.dir, 'other'));
    await publishCrls(other);
    await expect(loadTlsMaterial({ ...files, caFiles: [pki.caCertFile, other.caCertFile] })).rejects.toThrow(
      'no CRL for the trusted CA "CN=some other CA": with revocation checking on, every certificate it signed would be refused',
    );
    const both = join(tmp.dir, 'both-crl.pem');
    writeFileSync(both, readFileSync(pki.crlFile, 'utf8') + readFileSync(other.crlFile, 'utf8'));
    const loaded = await loadTlsMaterial({ ...files, crlFile: both });
    expect(loaded.crls.map((c) => c.issuer)).toEqual(['CN=certrpc demo CA']);
    const twoCas = await loadTlsMaterial({ ...files, crlFile: both, caFiles: [pki.caCertFile, other.caCertFile] });
    expect(twoCas.crls.map((c) => c.issuer)).toEqual(['CN=certrpc demo CA', 'CN=some other CA']);
    expect(twoCas.material.clientCaPem).toContain(readFileSync(other.caCertFile, 'utf8').trim());
  });

  it('checkCrlsNotOlder: same number with another date is a conflict; an unnumbered CRL is judged by its date', () => {
    const at = (iso: string) => new Date(iso);
    const held: CrlFacts = { issuer: 'CN=ca', caFingerprint: 'F', crlNumber: 5, thisUpdate: at('2026-01-02T00:00:00Z'), revoked: 0 };
    const check = (next: Partial<CrlFacts>) => () => checkCrlsNotOlder('crl.pem', [{ ...held, ...next }], [held]);
    expect(check({})).not.toThrow();
    expect(check({ crlNumber: 6, thisUpdate: at('2026-01-03T00:00:00Z') })).not.toThrow();
    expect(check({ crlNumber: 6, thisUpdate: at('2026-01-01T00:00:00Z') })).toThrow(/is older than the one in force/);
    expect(check({ crlNumber: 4, thisUpdate: at('2026-01-03T00:00:00Z') })).toThrow(/is older than the one in force/);
    expect(check({ thisUpdate: at('2026-01-03T00:00:00Z') })).toThrow(
      'the CRL of "CN=ca" in this file (CRL number 5, issued 2026-01-03T00:00:00.000Z) has the number of the one in force but another date (CRL number 5, issued 2026-01-02T00:00:00.000Z): two different CRLs with one number; the one in force stays',
    );
    expect(check({ crlNumber: undefined, thisUpdate: at('2026-01-03T00:00:00Z') })).not.toThrow();
    expect(check({ crlNumber: undefined, thisUpdate: at('2026-01-01T00:00:00Z') })).toThrow(/CRL number none, issued 2026-01-01/);
    expect(check({ caFingerprint: 'G', crlNumber: 1 })).not.toThrow();
    expect(() => checkCrlsNotOlder('crl.pem', [held], undefined)).not.toThrow();
    try {
      check({ crlNumber: 4 })();
    } catch (err) {
      expect((err as { fix?: string }).fix).toBe(
        "republish it on the CA host (certrpc ca crl, or publishCrls()) and copy it to . if this host does not share the CA's directory; it numbers the new CRL above the last one it published",
      );
    }
  });

  it('isMissing: only a path that does not exist', () => {
    expect(isMissing(join(tmp.dir, 'nope'))).toBe(true);
    expect(isMissing(pki.caCertFile)).toBe(false);
    expect(isMissing(join(pki.caCertFile, 'below-a-file'))).toBe(false);
  });
});
