// Issue 15 item 6, step parity for the PKI: `cert csr` makes the key (0600) and the request on the
// host that keeps the key; `cert sign` on the CA host signs it and records it (DIR/signed/), so
// `cert list`, `cert revoke --serial` and `ca retire` see it. Three directories stand for three
// hosts; the certificates that come back run a real server and a real call.
import { X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp-dir';

// Each step runs several CLI processes in sequence; on a loaded 2-core machine one takes seconds.
jest.setTimeout(120_000);

const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber.toLowerCase().replace(/^0+/, '');
const listed = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

describe('certrpc cert csr -> cert sign on the CA host -> a real call', () => {
  const tmp = tempDir();
  const ca = join(tmp.dir, 'ca-host');
  const web = join(tmp.dir, 'web-host');
  const app = join(tmp.dir, 'app-host');
  const cli = (args: string[], cwd = tmp.dir) => runCli(args, { cwd });

  beforeAll(async () => {
    for (const dir of [ca, web, app]) mkdirSync(dir);
    expect((await cli(['pki', 'init', '--dir', ca])).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('makes NAME.key (0600) and NAME.csr for the CN and SANs asked, and prints the commands for the CA host', async () => {
    const r = await cli(['cert', 'csr', 'web', '--san', 'DNS:localhost', '--san', 'IP:127.0.0.1', '--dir', web]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(listed(web)).toEqual(['web.csr', 'web.key']);
    expect(statSync(join(web, 'web.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(web, 'web.csr')).mode & 0o777).toBe(0o644);
    expect(r.stdout).toContain('asking for DNS:localhost, IP:127.0.0.1');
    expect(r.stdout).toContain(`${join(web, 'web.key')} (0600): stays on this host`);
    expect(r.stdout).toContain('\n  certrpc cert sign web.csr --server --accept-csr-names -o web.crt\n');
    // What the request holds, as the CA host sees it.
    const inspected = JSON.parse((await cli(['cert', 'inspect', join(web, 'web.csr'), '--json'])).stdout);
    expect(inspected).toMatchObject({
      kind: 'csr',
      format: 'PEM',
      subject: 'CN=web',
      commonName: 'web',
      publicKey: 'ECDSA P-256',
      signatureVerifies: true,
      requestedSans: ['DNS:localhost', 'IP:127.0.0.1'],
      signable: { ok: true },
    });
    // The key is the request's key.
    const key = (await import('node:crypto')).createPublicKey(readFileSync(join(web, 'web.key')));
    expect(inspected.publicKeySha256.replace(/:/g, '').toLowerCase()).toBe(
      (await import('node:crypto'))
        .createHash('sha256')
        .update(key.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
    );
  });

  it('the printed command signs it on the CA host; the server runs with it and a client from another CSR calls it', async () => {
    const made = await cli(['cert', 'csr', 'app', '--cn', 'app-client', '--key-type', 'rsa-2048', '--dir', app]);
    expect(made.code).toBe(0);
    expect(JSON.parse((await cli(['cert', 'inspect', join(app, 'app.csr'), '--json'])).stdout)).toMatchObject({
      commonName: 'app-client',
      publicKey: 'RSA 2048 bit',
      requestedSans: [],
    });
    // The line cert csr printed, run as it is where app.csr lies, against the CA's directory.
    const printed = /^ {2}certrpc (cert sign app\.csr --client -o app\.crt)$/m.exec(made.stdout);
    expect(printed).not.toBeNull();
    const signedApp = await cli([...printed![1].split(' '), '--dir', ca], app);
    expect(signedApp.code).toBe(0);
    expect(signedApp.stderr).toContain(`recorded: ${join(ca, 'signed', `${serialOf(join(app, 'app.crt'))}.crt`)}`);
    const signedWeb = await cli(['cert', 'sign', 'web.csr', '--server', '--accept-csr-names', '-o', 'web.crt', '--dir', ca], web);
    expect(signedWeb.code).toBe(0);
    expect(signedWeb.stderr).toMatch(/SAN: {5}DNS:localhost\n {2}SAN: {5}IP:127\.0\.0\.1\n/);
    // The trust each host needs comes from the CA host; the keys never moved.
    for (const host of [web, app]) copyFileSync(join(ca, 'ca.crt'), join(host, 'ca.crt'));
    expect(listed(ca).filter((f) => f.endsWith('.key'))).toEqual(['ca.key']);

    const server = await startCli(['serve', '--dir', web, '--name', 'web', '--port', '0']);
    try {
      const call = await cli(['call', server.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'app', '--dir', app]);
      expect(call.stderr).toBe('');
      expect(call.code).toBe(0);
      const me = JSON.parse(call.stdout);
      expect(me.commonName).toBe('app-client');
      expect(me.sans ?? []).toEqual([]);
      // And the server presents the certificate signed from its CSR, verified against the CA.
      const presented = JSON.parse((await cli(['cert', 'inspect', '--server', server.address, '--dir', app, '--json'])).stdout);
      expect(presented.server).toMatchObject({ verified: true, chain: { ok: true }, nameMatches: true });
      expect(presented.certificates[0].serial).toBe(serialOf(join(web, 'web.crt')));
    } finally {
      await server.stop();
    }
  });

  it('cert list on the CA host lists the certificates signed from CSRs; revoke --serial finds their CA', async () => {
    const rows = JSON.parse((await cli(['cert', 'list', '--dir', ca, '--json'])).stdout) as {
      name: string;
      source: string;
      commonName: string;
      serial: string;
      purpose: string;
      status: string;
      caSerial?: string;
    }[];
    expect(rows.map((r) => [r.name, r.source, r.commonName, r.purpose, r.status])).toEqual([
      ['(signed)', 'signed', expect.any(String), expect.any(String), 'valid'],
      ['(signed)', 'signed', expect.any(String), expect.any(String), 'valid'],
    ]);
    expect(rows.map((r) => r.commonName).sort()).toEqual(['app-client', 'web']);
    expect(rows.every((r) => r.caSerial)).toBe(true);
    const table = await cli(['cert', 'list', '--dir', ca]);
    expect(table.stdout).toMatch(/^\(signed\) +clientAuth +app-client +[0-9a-f]+ /m);

    const appSerial = serialOf(join(app, 'app.crt'));
    const revoked = await cli(['cert', 'revoke', '--serial', appSerial, '--reason', 'keyCompromise', '--dir', ca]);
    expect(revoked.code).toBe(0);
    // Found by its record: listed by its own CA's CRL, with its subject (not every CA's, as an unknown serial is).
    expect(revoked.stdout).toContain(`revoked (serial ${appSerial})`);
    const record = JSON.parse(readFileSync(join(ca, 'revocations.json'), 'utf8')).revoked[0];
    expect(record).toMatchObject({ serial: appSerial, subject: 'CN=app-client', caSerial: rows[0].caSerial });
    const after = JSON.parse((await cli(['cert', 'list', '--dir', ca, '--json', '--status', 'revoked'])).stdout);
    expect(after).toEqual([expect.objectContaining({ commonName: 'app-client', status: 'revoked', revocationReason: 'keyCompromise' })]);
    const verify = await cli(['cert', 'verify', join(app, 'app.crt'), '--dir', ca]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain('FAILED CERT_REVOKED');
  });

  it('ca retire waits for a valid certificate signed from a CSR, and says how to move it', async () => {
    expect((await cli(['ca', 'rotate', '--dir', ca])).code).toBe(0);
    const caCrt = readFileSync(join(ca, 'ca.crt'), 'utf8');
    const webSerial = serialOf(join(web, 'web.crt'));
    const refused = await cli(['ca', 'retire', '--dir', ca]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `still signs certificates in use: CN=web (signed from a CSR, ${join(ca, 'signed', `${webSerial}.crt`)}) (serverAuth, serial ${webSerial})`,
    );
    expect(refused.stderr).toContain(`certrpc cert revoke --serial ${webSerial} --reason superseded`);
    // The revoked app-client certificate does not hold the CA back.
    expect(refused.stderr).not.toContain('app-client');
    expect(readFileSync(join(ca, 'ca.crt'), 'utf8')).toBe(caCrt);
    expect((await cli(['cert', 'revoke', '--serial', webSerial, '--reason', 'superseded', '--dir', ca])).code).toBe(0);
    expect((await cli(['ca', 'retire', '--dir', ca])).code).toBe(0);
  });

  it('a signed certificate brought back beside its key in the CA directory is listed once, by its NAME', async () => {
    expect((await cli(['cert', 'csr', 'local', '--dir', ca])).code).toBe(0);
    expect((await cli(['cert', 'sign', join(ca, 'local.csr'), '--client', '-o', join(ca, 'local.crt'), '--dir', ca])).code).toBe(0);
    const rows = JSON.parse((await cli(['cert', 'list', '--dir', ca, '--json'])).stdout) as { name: string; serial: string }[];
    expect(rows.filter((r) => r.serial === serialOf(join(ca, 'local.crt'))).map((r) => r.name)).toEqual(['local']);
  });

  it('refuses to replace NAME.key or NAME.csr without --force (nothing written); --force keeps the old key and certificate in backup/', async () => {
    const before = {
      key: readFileSync(join(app, 'app.key'), 'utf8'),
      csr: readFileSync(join(app, 'app.csr'), 'utf8'),
      crt: readFileSync(join(app, 'app.crt'), 'utf8'),
    };
    const refused = await cli(['cert', 'csr', 'app', '--dir', app]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${join(app, 'app.key')}: already exists; nothing was written`);
    expect(refused.stderr).toContain('fix: pass --force to replace it, or choose another name');
    expect(readFileSync(join(app, 'app.key'), 'utf8')).toBe(before.key);
    expect(readFileSync(join(app, 'app.csr'), 'utf8')).toBe(before.csr);

    const forced = await cli(['cert', 'csr', 'app', '--cn', 'app-client', '--force', '--dir', app]);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain(`warning: ${join(app, 'app.crt')} belongs to the previous key`);
    const backups = listed(join(app, 'backup'));
    expect(backups).toEqual([expect.stringMatching(/^app\.\d{8}T\d{9}Z\.crt$/), expect.stringMatching(/^app\.\d{8}T\d{9}Z\.key$/)]);
    expect(readFileSync(join(app, 'backup', backups[1]), 'utf8')).toBe(before.key);
    expect(readFileSync(join(app, 'backup', backups[0]), 'utf8')).toBe(before.crt);
    expect(statSync(join(app, 'backup', backups[1])).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(app, 'app.key'), 'utf8')).not.toBe(before.key);
    expect(statSync(join(app, 'app.key')).mode & 0o777).toBe(0o600);
  });

  it('bad input is a usage error naming the flag (exit 2), and nothing is written', async () => {
    const dir = join(tmp.dir, 'bad');
    const cases: [string[], RegExp][] = [
      [['cert', 'csr', 'x', '--san', 'DNS:bad name'], /--san: bad subject alternative name "DNS:bad name": not a DNS name/],
      [['cert', 'csr', 'x', '--san', 'FTP:x'], /--san: bad subject alternative name "FTP:x": unknown type "FTP"/],
      [['cert', 'csr', '../x'], /NAME: invalid name "\.\.\/x"/],
      [['cert', 'csr', 'x', '--cn', ''], /--cn: invalid common name "": it is not 1 to 64 characters long/],
      [['cert', 'csr', 'x', '--key-type', 'dsa'], /option '--key-type <type>' argument 'dsa' is invalid/],
      [['cert', 'csr'], /missing required argument 'name'/],
    ];
    for (const [args, message] of cases) {
      const r = await cli([...args, '--dir', dir]);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: expect.stringMatching(message) });
    }
    expect(existsSync(dir)).toBe(false);
  });
});
