// Publishing CRLs while the root key is offline (an intermediate issues, DIR holds the root's
// certificate only): the root's CRL is carried from crl.pem as it was signed, and a change that
// needs a new root CRL is refused with nothing written. In this process, for the mutation run
// (test/cli/intermediate-ca.test.ts proves the same through `certrpc`).
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { issue } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, loadSigningCa } from '../pki/ca';
import { createCrl, parseCrls } from '../pki/crl';
import { serialHex } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { readRevocationRecords, RevocationRecords } from '../store/revocation-records';
import { loadCaSet } from './ca-set';
import { initIntermediate } from './init-intermediate';
import { prepareCrls, publishCrls, recordsToPublish, signersOf } from './publish-crl';
import { revokeCertificate } from './revoke';

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const now = new Date('2026-06-01T00:00:00Z');
const serialOf = (file: string) => serialHex(new X509Certificate(readFileSync(file)));
const crlsOf = (pki: PkiDir) => parseCrls(readFileSync(pki.crlFile, 'utf8'));
const snapshot = (pki: PkiDir) => [readFileSync(pki.crlFile, 'utf8'), readFileSync(pki.revocationsFile, 'utf8')];

describe('the root key offline: an intermediate under another directory’s root', () => {
  let rootDir: PkiDir;
  let pki: PkiDir;
  let rootSerial: string;
  let interSerial: string;
  beforeAll(async () => {
    rootDir = new PkiDir(join(tmp.dir, 'root'));
    rootDir.writeCa(await createCa({ commonName: 'offline root' }));
    pki = new PkiDir(join(tmp.dir, 'online'));
    await initIntermediate(pki, { rootDir: rootDir.dir });
    await issue(pki, 'svc');
    rootSerial = serialOf(pki.caCertFile);
    interSerial = serialOf(pki.intermediateCertFile);
    expect(existsSync(pki.caKeyFile)).toBe(false);
  });

  it("re-signs the intermediate's CRL and carries the root's, byte for byte, from crl.pem", async () => {
    const [rootCrl] = crlsOf(pki).filter((c) => c.issuer === 'CN=offline root');
    const published = await publishCrls(pki, { now });
    expect(published.warnings).toEqual([]);
    expect(published.perCa).toEqual([
      { serial: rootSerial, subject: 'CN=offline root', revoked: 0 },
      { serial: interSerial, subject: 'CN=certrpc intermediate CA', revoked: 0 },
    ]);
    const crls = crlsOf(pki);
    expect(crls.map((c) => [c.issuer, c.crlNumber])).toEqual([
      ['CN=offline root', rootCrl.crlNumber],
      ['CN=certrpc intermediate CA', published.crlNumber],
    ]);
    expect(crls[0].pem).toBe(rootCrl.pem);
    expect(published.crlNumber).toBeGreaterThan(rootCrl.crlNumber!);
  });

  it("revokes a leaf of the intermediate (its CRL lists it; the root's is carried)", async () => {
    const result = await revokeCertificate(pki, { name: 'svc' }, { now, reason: 'keyCompromise' });
    expect(result.listedBy).toEqual(['CN=certrpc intermediate CA']);
    const crls = crlsOf(pki);
    expect(crls.map((c) => c.entries.map((e) => e.serial))).toEqual([[], [serialOf(pki.certFile('svc'))]]);
  });

  it('refuses to revoke the intermediate (a new root CRL needs the root key), naming its serial and the fix; nothing is written', async () => {
    const before = snapshot(pki);
    const refused = revokeCertificate(pki, { serial: interSerial }, { now });
    await expect(refused).rejects.toMatchObject({
      message: expect.stringMatching(new RegExp(`serial ${interSerial}\\b.*"CN=offline root"`)),
      fix: expect.stringContaining('DIR/ca.key'),
    });
    expect(snapshot(pki)).toEqual(before);
  });

  it("what the carried root CRL already lists is no change: a record of the root's (or of every CA) it lists passes, one it lacks is refused", async () => {
    const root = await loadSigningCa(readFileSync(rootDir.caCertFile, 'utf8'), readFileSync(rootDir.caKeyFile, 'utf8'));
    const revokedAt = new Date('2026-05-01T00:00:00Z');
    const rootCrlPem = await createCrl(
      root,
      [
        { serial: 'ab01', revokedAt, reason: 'superseded' },
        { serial: 'abcd', revokedAt, reason: 'superseded' },
      ],
      {
        crlNumber: 50,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 86_400_000),
      },
    );
    const published = [
      { ca: { serial: rootSerial, cert: new X509Certificate(readFileSync(pki.caCertFile)) }, crl: parseCrls(rootCrlPem)[0] },
    ];
    const signers = await signersOf(loadCaSet(pki).all);
    expect(signers.map((s) => [s.serial, s.signer !== undefined])).toEqual([
      [rootSerial, false],
      [interSerial, true],
    ]);
    const record = (serial: string, caSerial: string): RevocationRecords => ({
      version: 1,
      crlNumber: 60,
      revoked: [{ serial, caSerial, reason: 'superseded', revokedAt: revokedAt.toISOString() }],
    });
    for (const listed of [record('abcd', rootSerial), record('abcd', '*')]) {
      const prepared = await prepareCrls(listed, signers, { now, published });
      expect(prepared.perCa.map((c) => c.revoked)).toEqual([2, listed.revoked[0].caSerial === '*' ? 1 : 0]);
      expect(parseCrls(prepared.pem).map((c) => c.crlNumber)).toEqual([50, 61]);
    }
    // Another CA's revocation is none of the root CRL's business.
    await expect(prepareCrls(record('beef', interSerial), signers, { now, published })).resolves.toMatchObject({ crlNumber: 61 });
    for (const missing of [record('beef', rootSerial), record('beef', '*')]) {
      await expect(prepareCrls(missing, signers, { now, published })).rejects.toMatchObject({
        message: expect.stringMatching(/serial beef\b.*"CN=offline root"/),
        fix: expect.stringContaining('DIR/ca.key'),
      });
    }
  });

  it('refuses to publish when crl.pem holds no CRL of the offline root (nothing to carry), naming the root and the fix', async () => {
    const intermediateOnly = crlsOf(pki).filter((c) => c.issuer !== 'CN=offline root');
    writeFileSync(pki.crlFile, intermediateOnly.map((c) => c.pem).join(''));
    const before = snapshot(pki);
    await expect(publishCrls(pki, { now })).rejects.toMatchObject({
      message: expect.stringContaining('"CN=offline root"'),
      fix: expect.stringContaining('DIR/ca.key'),
    });
    expect(snapshot(pki)).toEqual(before);
  });
});

describe('the key of a CA that is not the offline root is never optional', () => {
  it('a named CA whose key is gone stops publishing (its CRL is not carried over), nothing written', async () => {
    const pki = new PkiDir(join(tmp.dir, 'named'));
    pki.writeCa(await createCa({ commonName: 'main CA' }));
    pki.writeNamedCa('team', await createCa({ commonName: 'team CA' }));
    await publishCrls(pki, { now });
    rmSync(pki.namedCaKeyFile('team'));
    const before = snapshot(pki);
    await expect(publishCrls(pki, { now })).rejects.toMatchObject({ file: pki.namedCaKeyFile('team') });
    expect(snapshot(pki)).toEqual(before);
  });
});

describe('restoring from crl.pem what revocations.json lost', () => {
  it('a record "of every CA" covers the entry; a record of another CA does not', async () => {
    const pki = new PkiDir(join(tmp.dir, 'restore'));
    pki.writeCa(await createCa({ commonName: 'main CA' }));
    pki.writeNamedCa('team', await createCa({ commonName: 'team CA' }));
    const [main, team] = loadCaSet(pki).all.map((c) => c.serial);
    const revokedAt = now.toISOString();
    const entry = { serial: 'abcd', caSerial: main, reason: 'keyCompromise' as const, revokedAt };
    await prepareCrls({ version: 1, crlNumber: 0, revoked: [entry] }, await signersOf(loadCaSet(pki).all), { now }).then((p) =>
      writeFileSync(pki.crlFile, p.pem),
    );
    writeFileSync(pki.revocationsFile, JSON.stringify({ version: 1, crlNumber: 1, revoked: [{ ...entry, caSerial: '*' }] }));
    expect((await recordsToPublish(pki, loadCaSet(pki).all)).restored).toEqual([]);
    writeFileSync(pki.revocationsFile, JSON.stringify({ version: 1, crlNumber: 1, revoked: [{ ...entry, caSerial: team }] }));
    const { restored, warnings, records } = await recordsToPublish(pki, loadCaSet(pki).all);
    expect(restored).toEqual([{ serial: 'abcd', caSerial: main, reason: 'keyCompromise', revokedAt }]);
    expect(records.revoked).toHaveLength(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('(serial abcd)'); // no certificate of that serial here: no name after it
    expect(readRevocationRecords(pki).revoked).toHaveLength(1);
  });
});
