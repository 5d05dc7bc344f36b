// Issue 6 through the CLI: cert renew, cert revoke, ca rotate/retire/crl and cert list statuses,
// including every refusal (unknown names, a self-signed identity, retiring a CA in use, a corrupt
// record): a clear message naming the file and the fix, a non-zero exit, nothing written.
import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { demoPki, issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

// Each step runs several CLI processes in sequence; on a loaded 2-core machine one takes seconds.
jest.setTimeout(120_000);

const DAY = 86_400_000;
const cert = (file: string) => new X509Certificate(readFileSync(file));
const serial = (file: string) => cert(file).serialNumber.toLowerCase().replace(/^0+/, '');
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.includes('.'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );

describe('certrpc cert renew / cert revoke / ca rotate, retire, crl / cert list', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    const now = Date.now();
    await issue(pki, 'old-bot', { validity: { notBefore: new Date(now - 3 * DAY), notAfter: new Date(now - DAY) } });
  });
  afterAll(() => tmp.cleanup());

  it('renews an identity: same CN, SANs, purpose and key type, new serial, old pair kept (key 0600)', async () => {
    const before = { crt: readFileSync(pki.certFile('server'), 'utf8'), key: readFileSync(pki.keyFile('server'), 'utf8') };
    const r = await cli('cert', 'renew', 'server', '--days', '30');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const [oldC, newC] = [new X509Certificate(before.crt), cert(pki.certFile('server'))];
    expect(r.stdout).toContain(`serial ${serial(pki.backups()[0].certFile)} -> ${serial(pki.certFile('server'))}`);
    expect(newC.serialNumber).not.toBe(oldC.serialNumber);
    expect(newC.subject).toBe(oldC.subject);
    expect(newC.subjectAltName).toBe(oldC.subjectAltName);
    expect(newC.keyUsage).toEqual(oldC.keyUsage);
    expect(newC.publicKey.asymmetricKeyDetails).toEqual(oldC.publicKey.asymmetricKeyDetails);
    expect(Math.round((Date.parse(newC.validTo) - Date.now()) / DAY)).toBe(30);
    const [backup] = pki.backups();
    expect(backup.name).toBe('server');
    expect(readFileSync(backup.certFile, 'utf8')).toBe(before.crt);
    expect(readFileSync(backup.keyFile, 'utf8')).toBe(before.key);
    expect(statSync(backup.keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(pki.keyFile('server')).mode & 0o777).toBe(0o600);
  });

  it('refuses to renew an unknown name or a certificate no CA here signed, changing nothing', async () => {
    const before = snapshot(tmp.dir);
    const [unknown, selfSigned, badDays] = await Promise.all([
      cli('cert', 'renew', 'nobody'),
      cli('cert', 'renew', 'mallory'),
      cli('cert', 'renew', 'alice', '--days', 'soon'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`${pki.certFile('nobody')}: no certificate named "nobody" to renew; nothing was written`);
    expect(unknown.stderr).toMatch(/fix: see the names with: certrpc cert list/);
    expect(selfSigned.code).toBe(1);
    expect(selfSigned.stderr).toMatch(/"mallory" was not issued by a CA of this directory .* cannot be renewed here/);
    expect(badDays.code).toBe(2);
    expect(snapshot(tmp.dir)).toEqual(before);
    expect(pki.backups().filter((b) => b.name !== 'server')).toEqual([]);
  });

  it('refuses to revoke an unknown name or a bad request, writing nothing', async () => {
    const [unknown, both, neither, reason] = await Promise.all([
      cli('cert', 'revoke', 'nobody'),
      cli('cert', 'revoke', 'bob', '--serial', 'abc'),
      cli('cert', 'revoke'),
      cli('cert', 'revoke', 'bob', '--reason', 'lost'),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no certificate named "nobody"; nothing was revoked\n {2}fix: check the name with: certrpc cert list/);
    expect([both.code, neither.code, reason.code]).toEqual([2, 2, 2]);
    expect(both.stderr).toMatch(/a NAME or --serial HEX \(not both\)/);
    expect(reason.stderr).toMatch(/--reason.*lost/);
    expect(existsSync(pki.crlFile)).toBe(false);
    expect(existsSync(pki.revocationsFile)).toBe(false);
  });

  it('revokes by name and by the serial of a replaced certificate; a second revoke changes nothing', async () => {
    const oldServer = serial(pki.backups()[0].certFile);
    expect((await cli('cert', 'revoke', 'bob', '--reason', 'keyCompromise')).code).toBe(0);
    const bySerial = await cli('cert', 'revoke', '--serial', oldServer.toUpperCase(), '--reason', 'superseded');
    expect(bySerial.stdout).toMatch(/revoked "server" \(serial [0-9a-f]+\).*reason superseded/);
    const crl = readFileSync(pki.crlFile, 'utf8');
    const again = await cli('cert', 'revoke', 'bob');
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already revoked at .* \(keyCompromise\); nothing changed/);
    expect(readFileSync(pki.crlFile, 'utf8')).toBe(crl);
    const text = execFileSync('openssl', ['crl', '-in', pki.crlFile, '-noout', '-text'], { encoding: 'utf8' }).toLowerCase();
    // openssl prints serials with an even number of hex digits: a leading 0 may come back.
    expect(text).toMatch(new RegExp(`serial number: 0?${serial(pki.certFile('bob'))}\n`));
    expect(text).toMatch(new RegExp(`serial number: 0?${oldServer}\n`));
    expect(text).toMatch(/crl number: \s*2/);
  });

  it('lists valid, expiring, expired and revoked certificates; --expiring sets the threshold, --status filters', async () => {
    const rows = JSON.parse((await cli('cert', 'list', '--json')).stdout) as { name: string; status: string; revocationReason?: string }[];
    const status = Object.fromEntries(rows.map((r) => [r.name, r.status]));
    // server was renewed for 30 days above: inside the default 30-day threshold.
    expect(status).toMatchObject({ alice: 'valid', bob: 'revoked', 'old-bot': 'expired', server: 'expiring', mallory: 'untrusted' });
    expect(rows.find((r) => r.name === 'bob')!.revocationReason).toBe('keyCompromise');
    const [expiring, shorter, table, bad] = await Promise.all([
      cli('cert', 'list', '--expiring', '400d', '--status', 'expiring'),
      cli('cert', 'list', '--expiring', '7d', '--status', 'expiring'),
      cli('cert', 'list'),
      cli('cert', 'list', '--expiring', 'soon'),
    ]);
    expect(expiring.stdout).toMatch(/^server .*expiring: (29|30) days left$/m);
    expect(expiring.stdout).toMatch(/^alice .*expiring: 36\d days left$/m);
    expect(shorter.stdout.trim()).toBe('no certificate has that status');
    expect(table.stdout).toMatch(/^bob .* revoked: revoked \S+ \(keyCompromise\)$/m);
    expect(table.stdout).toMatch(/^old-bot .* expired: /m);
    expect(bad.code).toBe(2);
  });

  it('rotates the CA: a bundle of two, one CRL each, openssl checks certificates of both; retire refuses while either is in use', async () => {
    const oldCa = readFileSync(pki.caCertFile, 'utf8');
    const rotated = await cli('ca', 'rotate');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/new CA "CN=certrpc demo CA G2" .* signs from now on/);
    const again = await cli('ca', 'rotate');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/a rotation is already under way/);
    expect(readFileSync(pki.crlFile, 'utf8').match(/BEGIN X509 CRL/g)).toHaveLength(2);
    expect(
      statSync(
        join(
          tmp.dir,
          readdirSync(tmp.dir).find((f) => /^ca-[0-9a-f]+\.key$/.test(f))!,
        ),
      ).mode & 0o777,
    ).toBe(0o600);

    expect((await cli('cert', 'renew', 'alice')).stdout).toMatch(/signed by "CN=certrpc demo CA G2"/);
    const verify = (name: string) =>
      spawnSync('openssl', ['verify', '-crl_check_all', '-CRLfile', pki.crlFile, '-CAfile', pki.caCertFile, pki.certFile(name)], {
        encoding: 'utf8',
      });
    expect(verify('alice').status).toBe(0); // new CA
    expect(verify('server').status).toBe(0); // old CA, still trusted
    expect(verify('bob').stdout + verify('bob').stderr).toMatch(/certificate revoked/);

    const before = snapshot(tmp.dir);
    const refused = await cli('ca', 'retire');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /CA "CN=certrpc demo CA" still signs certificates in use: server \(serverAuth, serial [0-9a-f]+\); nothing was changed/,
    );
    expect(refused.stderr).toMatch(/fix: move them to the new CA first: certrpc cert renew server/);
    expect(snapshot(tmp.dir)).toEqual(before);

    expect((await cli('cert', 'renew', 'server')).code).toBe(0);
    const retired = await cli('ca', 'retire');
    expect(retired.code).toBe(0);
    expect(readFileSync(pki.caCertFile, 'utf8')).not.toContain(oldCa.trim());
    expect(readFileSync(pki.crlFile, 'utf8').match(/BEGIN X509 CRL/g)).toHaveLength(1);
    expect(readdirSync(join(tmp.dir, 'retired')).sort()).toEqual([
      expect.stringMatching(/^ca-[0-9a-f]+\.crt$/),
      expect.stringMatching(/^ca-[0-9a-f]+\.key$/),
    ]);
    const nothingLeft = await cli('ca', 'retire');
    expect(nothingLeft.code).toBe(1);
    expect(nothingLeft.stderr).toMatch(/nothing to retire/);
    // bob's certificate (old CA, revoked) still shows as revoked after its CA left.
    expect((await cli('cert', 'list', '--status', 'revoked')).stdout).toMatch(/^bob /m);
  });

  it('ca crl republishes with the next CRL number; a corrupt revocation record is refused, not overwritten', async () => {
    const published = await cli('ca', 'crl', '--days', '7');
    expect(published.stdout).toMatch(/CRL number 5, next update due/);
    const records = readFileSync(pki.revocationsFile, 'utf8');
    writeFileSync(pki.revocationsFile, '{"version": 1, "crlNumber": "x"');
    const crl = readFileSync(pki.crlFile, 'utf8');
    const broken = await cli('cert', 'revoke', 'alice');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`${pki.revocationsFile}: not valid JSON`);
    expect(readFileSync(pki.crlFile, 'utf8')).toBe(crl);
    writeFileSync(pki.revocationsFile, records);
  });

  it('serve warns at start when its certificate expires within --expiry-warning', async () => {
    const server = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0', '--expiry-warning', '60d']);
    try {
      const warning = await eventually(
        () => logLines(server.logs()).find((l) => l.event === 'expiry_warning' && l.what === 'certificate'),
        'an expiry warning',
      );
      expect(String(warning.msg)).toMatch(
        /the server certificate "CN=localhost" \(serial [0-9a-f]+\) expires in (29|30) day\(s\).*certrpc cert renew/,
      );
      expect(logLines(server.logs()).some((l) => l.event === 'expiry_warning' && l.what === 'ca')).toBe(false);
    } finally {
      await server.stop();
    }
  });
});
