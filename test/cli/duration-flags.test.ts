// One duration parser for every flag and config key (text/quantities.ts): each accepts the unit
// forms ("13w", "1w", "1500ms") where a bare number keeps its documented unit, and refuses a bad
// value before anything happens with exit 2, naming the flag and what to write.
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);
const DAY = 86_400_000;

describe('duration flags', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);
  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('takes units where bare numbers mean days: cert issue --days 13w, ca crl --days 1w, cert list --expiring 4w', async () => {
    expect((await cli('cert', 'issue', 'quarterly', '--client', '--days', '13w')).code).toBe(0);
    const cert = new X509Certificate(readFileSync(pki.certFile('quarterly')));
    // Issued one minute in the past (clock skew), valid for 91 days from now.
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(91 * DAY - 120_000);
    expect(Date.parse(cert.validTo) - Date.now()).toBeLessThanOrEqual(91 * DAY);
    const crl = await cli('ca', 'crl', '--days', '1w');
    expect(crl.code).toBe(0);
    const nextUpdate = Date.parse(/next update due (\S+)/.exec(crl.stdout)![1]);
    expect(Math.round((nextUpdate - Date.now()) / DAY)).toBe(7);
    const list = await cli('cert', 'list', '--expiring', '4w', '--status', 'valid');
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^quarterly /m);
  });

  it.each([
    [['cert', 'issue', 'x', '--client', '--days', '36h'], '--days: "36h" is not a whole number of days'],
    [['pki', 'init', '--force', '--days', '0'], '--days: "0" is not between 1 and 36500 days'],
    [['ca', 'crl', '--days', '3651'], '--days: "3651" is not between 1 and 3650 days'],
    [['cert', 'revoke', 'bob', '--crl-days', 'soon'], '--crl-days: "soon" is not a number of days'],
    [['cert', 'list', '--expiring', 'soon'], '--expiring: "soon" is not a number of days'],
    [['serve', '--port', '0', '--expiry-warning', '1x'], '--expiry-warning: "1x" is not a number of days'],
    [['serve', '--port', '0', '--shutdown-grace', 'soon'], 'bad --shutdown-grace "soon": "soon" is not a duration'],
    [['call', '127.0.0.1:1', 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', '--max-time', '0'], '--max-time: "0" is too short'],
    [
      ['call', '127.0.0.1:1', 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', '--connect-timeout', '2 fortnights'],
      '--connect-timeout: "2 fortnights" is not a duration',
    ],
    [['proxy', '--listen', '127.0.0.1:0', '--connect-timeout', '-1'], '--connect-timeout: "-1" is not a duration'],
  ])('%j: exit 2, nothing written', async (args, message) => {
    const before = readdirSync(tmp.dir).sort();
    const r = await cli(...args);
    expect(r.stderr).toContain(`certrpc: ${message}`);
    expect(r.stderr).toMatch(/\n {2}fix: (write|give) /);
    expect(r.code).toBe(2);
    expect(readdirSync(tmp.dir).sort()).toEqual(before);
  });

  it('a serve config key takes the same forms, and a bad one is reported at its line', async () => {
    const config = join(tmp.dir, 'serve.yaml');
    writeFileSync(config, 'port: 0\nexpiryWarning: 6w\nshutdownGrace: 1500ms\n');
    const server = await startCli(['serve', '--config', config, '--dir', tmp.dir]);
    expect(await server.stop()).toBe(0);
    writeFileSync(config, 'port: 0\nexpiryWarning: 36h\n');
    const r = await cli('serve', '--config', config);
    expect(r.stderr).toContain(`${config}:2:16: expiryWarning: "36h" is not a whole number of days`);
    expect(r.code).not.toBe(0);
  });
});
