// Publishing CRLs and reading revocation status, on a real PKI directory in this process
// (the CLI suites test/cli/revocation-*.test.ts prove the same through `certrpc`).
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { demoPki, otherCa } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa, loadSigningCa } from '../pki/ca';
import { parseCrls } from '../pki/crl';
import { PkiError } from '../pki/errors';
import { issueCertificate } from '../pki/issue';
import { serialHex } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { readRevocationRecords } from '../store/revocation-records';
import { loadCaSet } from './ca-set';
import { prepareCrls, publishCrls, recordsToPublish, signersOf } from './publish-crl';
import { readPublishedCrls } from './published-crls';
import { describeRevocation, dirCaCertificates, revocationOf, RevocationIndex } from './revocation-status';
import { revokeCertificate } from './revoke';

const cert = (pki: PkiDir, name: string) => new X509Certificate(readFileSync(pki.certFile(name)));

describe('publishing CRLs and revocation status', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const now = new Date('2026-06-01T00:00:00Z');
  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('publishes one CRL per CA, numbered from 1, valid for the days asked, and nothing is revoked', async () => {
    const published = await publishCrls(pki, { now, days: 7 });
    expect(published.crlNumber).toBe(1);
    expect(published.nextUpdate).toEqual(new Date('2026-06-08T00:00:00Z'));
    expect(published.warnings).toEqual([]);
    const caSerial = serialHex(new X509Certificate(readFileSync(pki.caCertFile)));
    expect(published.perCa).toEqual([{ serial: caSerial, subject: 'CN=certrpc demo CA', revoked: 0 }]);
    const [crl] = parseCrls(readFileSync(pki.crlFile, 'utf8'));
    expect(crl).toMatchObject({ crlNumber: 1, entries: [], issuer: 'CN=certrpc demo CA' });
    expect(readRevocationRecords(pki).crlNumber).toBe(1);
    const alice = await revocationOf(cert(pki, 'alice'), pki);
    expect(alice.revoked).toBeUndefined();
    expect(alice.checked).toEqual([pki.crlFile, pki.revocationsFile]);
  });

  it('a revoked certificate is listed by the next CRL, and every status source says so', async () => {
    const result = await revokeCertificate(pki, { name: 'alice' }, { reason: 'keyCompromise', now });
    expect(result).toMatchObject({ already: false, crlNumber: 2, listedBy: ['CN=certrpc demo CA'], warnings: [] });
    const aliceSerial = serialHex(cert(pki, 'alice'));
    expect(result.record).toEqual({
      serial: aliceSerial,
      caSerial: serialHex(new X509Certificate(readFileSync(pki.caCertFile))),
      name: 'alice',
      subject: 'CN=alice',
      reason: 'keyCompromise',
      revokedAt: now.toISOString(),
    });
    const status = await revocationOf(cert(pki, 'alice'), pki);
    expect(status.revoked).toEqual({ serial: aliceSerial, revokedAt: now.toISOString(), reason: 'keyCompromise', source: pki.crlFile });
    expect(describeRevocation(status.revoked!)).toBe(`revoked at ${now.toISOString()} (keyCompromise), according to ${pki.crlFile}`);
    expect((await revocationOf(cert(pki, 'bob'), pki)).revoked).toBeUndefined();
    // Revoking again changes nothing.
    expect(await revokeCertificate(pki, { name: 'alice' })).toMatchObject({ already: true });
    expect(parseCrls(readFileSync(pki.crlFile, 'utf8'))[0].crlNumber).toBe(2);
  });

  it('a lost revocations.json does not make the next CRL drop an entry or reuse a number', async () => {
    const aliceSerial = serialHex(cert(pki, 'alice'));
    rmSync(pki.revocationsFile);
    // Without the record, crl.pem alone still says revoked.
    const status = await revocationOf(cert(pki, 'alice'), pki);
    expect(status.revoked?.source).toBe(pki.crlFile);
    expect(status.checked).toEqual([pki.crlFile]);
    const published = await publishCrls(pki, { now });
    expect(published.crlNumber).toBe(3);
    expect(published.warnings).toEqual([
      `${pki.revocationsFile} lacked 1 revocation(s) that ${pki.crlFile} lists (serial ${aliceSerial} "alice"): restored them from the signed CRL, so the new CRLs still list them`,
      `${pki.crlFile} has CRL number 2, above the 0 recorded in ${pki.revocationsFile}: numbering continues from 2`,
    ]);
    expect(parseCrls(readFileSync(pki.crlFile, 'utf8'))[0].entries.map((e) => [e.serial, e.reason])).toEqual([
      [aliceSerial, 'keyCompromise'],
    ]);
    expect(readRevocationRecords(pki)).toMatchObject({
      crlNumber: 3,
      revoked: [{ serial: aliceSerial, name: 'alice', subject: 'CN=alice', reason: 'keyCompromise' }],
    });
  });

  it('the record alone (no crl.pem) still says revoked; a damaged crl.pem is refused by status and replaced by publishing', async () => {
    rmSync(pki.crlFile);
    const status = await revocationOf(cert(pki, 'alice'), pki);
    expect(status.revoked?.source).toBe(pki.revocationsFile);
    expect(status.checked).toEqual([pki.revocationsFile]);
    writeFileSync(pki.crlFile, '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n');
    await expect(revocationOf(cert(pki, 'alice'), pki)).rejects.toThrow(PkiError);
    const published = await publishCrls(pki, { now });
    expect(published.warnings).toHaveLength(1);
    expect(published.warnings[0]).toMatch(new RegExp(`^${pki.crlFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} cannot be read \\(`));
    expect(parseCrls(readFileSync(pki.crlFile, 'utf8'))[0].entries).toHaveLength(1);
    expect(published.crlNumber).toBe(4);
  });

  it('CRLs of a CA the directory does not hold are left out; a record for "*" applies to every CA', async () => {
    const stranger = await otherCa(tmp.dir + '/other');
    const strangerCa = new X509Certificate(readFileSync(stranger.caCertFile));
    const ours = loadCaSet(pki).all;
    const prepared = await prepareCrls(
      { version: 1, crlNumber: 9, revoked: [{ serial: 'abc', caSerial: '*', reason: 'superseded', revokedAt: now.toISOString() }] },
      await signersOf(loadCaSet(stranger).all),
      { now },
    );
    expect(prepared.crlNumber).toBe(10);
    expect(prepared.perCa).toEqual([{ serial: serialHex(strangerCa), subject: 'CN=some other CA', revoked: 1 }]);
    const file = `${tmp.dir}/stranger.pem`;
    writeFileSync(file, prepared.pem);
    expect(
      await readPublishedCrls(
        file,
        ours.map((c) => ({ serial: c.serial, cert: c.cert })),
      ),
    ).toEqual([]);
    expect((await readPublishedCrls(file, [{ serial: serialHex(strangerCa), cert: strangerCa }]))![0].crl.entries[0].serial).toBe('abc');
    expect(await readPublishedCrls(`${tmp.dir}/missing.pem`, [])).toBeUndefined();
    // The record of "*" matches whatever the issuer; one of another CA matches only that CA.
    const index = await RevocationIndex.load(pki, []);
    expect(index.check(serialHex(cert(pki, 'alice')), 'ffff').revoked?.source).toBeUndefined();
    expect(index.check(serialHex(cert(pki, 'alice'))).revoked?.source).toBe(pki.revocationsFile);
    expect(dirCaCertificates(pki).map((c) => c.subject)).toEqual(['CN=certrpc demo CA']);
  });

  it('refuses a CRL validity outside 1..3650 whole days, naming the option', async () => {
    const signers = await signersOf(loadCaSet(pki).all);
    const records = { version: 1 as const, crlNumber: 0, revoked: [] };
    for (const days of [0, 3651, 1.5, -1]) {
      await expect(prepareCrls(records, signers, { days })).rejects.toMatchObject({
        message: `invalid CRL validity "${days}" days`,
        option: 'crlDays',
      });
    }
    expect((await prepareCrls(records, signers, { days: 3650, now })).nextUpdate).toEqual(new Date(now.getTime() + 3650 * 86_400_000));
    expect((await prepareCrls(records, signers, { days: 1, now })).nextUpdate).toEqual(new Date(now.getTime() + 86_400_000));
    const defaults = await prepareCrls(records, signers, { now });
    expect(defaults.nextUpdate).toEqual(new Date(now.getTime() + 30 * 86_400_000));
    const { restored, warnings } = await recordsToPublish(pki, loadCaSet(pki).all);
    expect([restored, warnings]).toEqual([[], []]);
  });
});

describe('two CAs in one directory (ca.crt and cas/NAME/)', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const now = new Date('2026-06-01T00:00:00Z');
  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    const team = await createCa({ commonName: 'team CA' });
    pki.writeNamedCa('team', team);
    const signer = await loadSigningCa(team.certPem, team.keyPem);
    pki.writeIdentity('svc', await issueCertificate(signer, { profile: 'client', commonName: 'svc' }));
  });
  afterAll(() => tmp.cleanup());

  it("each CA's CRL lists only its own revocations, and a serial on one CA's CRL does not revoke another CA's certificate", async () => {
    const svc = cert(pki, 'svc');
    const demoSerial = serialHex(new X509Certificate(readFileSync(pki.caCertFile)));
    const teamSerial = serialHex(new X509Certificate(readFileSync(pki.namedCaCertFile('team'))));
    expect(
      dirCaCertificates(pki)
        .map((c) => c.subject)
        .sort(),
    ).toEqual(['CN=certrpc demo CA', 'CN=team CA']);
    // The demo CA's CRL lists svc's serial, as if the demo CA had issued a certificate with that serial.
    const prepared = await prepareCrls(
      {
        version: 1,
        crlNumber: 0,
        revoked: [{ serial: serialHex(svc), caSerial: demoSerial, reason: 'keyCompromise', revokedAt: now.toISOString() }],
      },
      await signersOf(loadCaSet(pki).all),
      { now },
    );
    expect(prepared.perCa.map((c) => [c.serial, c.revoked]).sort()).toEqual(
      [
        [demoSerial, 1],
        [teamSerial, 0],
      ].sort(),
    );
    expect(prepared.pem).toMatch(/^-----BEGIN X509 CRL-----/);
    expect(prepared.pem.match(/-----BEGIN X509 CRL-----/g)).toHaveLength(2);
    writeFileSync(pki.crlFile, prepared.pem);
    // svc was issued by the team CA, whose CRL does not list it.
    expect((await revocationOf(svc, pki)).revoked).toBeUndefined();
    // The same serial checked against the demo CA (or with no issuer known) is revoked.
    const index = await RevocationIndex.load(
      pki,
      loadCaSet(pki).all.map((c) => ({ serial: c.serial, cert: c.cert })),
    );
    expect(index.check(serialHex(svc), demoSerial).revoked?.source).toBe(pki.crlFile);
    expect(index.check(serialHex(svc), teamSerial).revoked).toBeUndefined();
    expect(index.check(serialHex(svc)).revoked?.reason).toBe('keyCompromise');
    // A trusted CA given from outside is looked up too, once.
    expect((await revocationOf(svc, pki, [new X509Certificate(readFileSync(pki.namedCaCertFile('team')))])).revoked).toBeUndefined();
  });

  it('a record partly lost: only the missing revocation is restored from crl.pem, named', async () => {
    rmSync(pki.crlFile);
    await revokeCertificate(pki, { name: 'alice' }, { now });
    await revokeCertificate(pki, { name: 'bob' }, { now });
    const records = readRevocationRecords(pki);
    const bobSerial = serialHex(cert(pki, 'bob'));
    writeFileSync(pki.revocationsFile, JSON.stringify({ ...records, revoked: records.revoked.filter((r) => r.serial !== bobSerial) }));
    const { restored, warnings } = await recordsToPublish(pki, loadCaSet(pki).all);
    expect(restored.map((r) => [r.serial, r.name])).toEqual([[bobSerial, 'bob']]);
    expect(warnings[0]).toBe(
      `${pki.revocationsFile} lacked 1 revocation(s) that ${pki.crlFile} lists (serial ${bobSerial} "bob"): restored them from the signed CRL, so the new CRLs still list them`,
    );
  });

  it('the CRL validity error names the option and the fix', async () => {
    await expect(prepareCrls({ version: 1, crlNumber: 0, revoked: [] }, [], { days: 0 })).rejects.toMatchObject({
      fix: 'give a whole number of days between 1 and 3650',
    });
  });
});
