// Issue 15 item 6: `certrpc cert needs-renewal FILE [--expires-in DUR|PCT]` decides and exits as
// `step certificate needs-renewal` (smallstep/cli command/certificate/needsRenewal.go): 0 needs
// renewal (66% of the lifetime passed by default, truncated; or within the window; or expired),
// 1 does not, 2 no such file, 255 any other error. Cron jobs branch on it, so an error is never 1.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli } from '../helpers/cli';
import { issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { createCa } from '../../src/pki/ca';

jest.setTimeout(120_000);

const DAY = 86_400_000;

describe('certrpc cert needs-renewal', () => {
  const tmp = tempDir();
  const pki = new PkiDir(join(tmp.dir, 'certs'));
  const file = (name: string) => pki.certFile(name);
  const check = (...args: string[]) => runCli(['cert', 'needs-renewal', ...args], { cwd: tmp.dir });
  /** A 30-day certificate of which `daysUsed` have passed. */
  const aged = (name: string, daysUsed: number) => {
    const now = Date.now();
    return issue(pki, name, { validity: { notBefore: new Date(now - daysUsed * DAY), notAfter: new Date(now + (30 - daysUsed) * DAY) } });
  };

  beforeAll(async () => {
    pki.writeCa(await createCa({ commonName: 'renewal test CA' }));
    await aged('fresh', 1); // 3% of its lifetime
    await aged('at70', 21); // 70%, 9 days left
    await aged('expired', 31);
    await issue(pki, 'future', { validity: { notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 31 * DAY) } });
    execFileSync('openssl', ['x509', '-in', file('at70'), '-outform', 'der', '-out', join(tmp.dir, 'at70.der')]);
    writeFileSync(join(tmp.dir, 'fresh-then-expired.pem'), readFileSync(file('fresh'), 'utf8') + readFileSync(file('expired'), 'utf8'));
    writeFileSync(join(tmp.dir, 'garbage.crt'), 'not a certificate\n');
    mkdirSync(join(tmp.dir, 'a-directory.crt'));
    await runCli(['cert', 'csr', 'req', '--dir', pki.dir]);
  });
  afterAll(() => tmp.cleanup());

  it.each([
    ['fresh', [], 1],
    ['at70', [], 0],
    ['expired', [], 0],
    ['future', [], 1],
    ['at70', ['--expires-in', '75%'], 1],
    ['at70', ['--expires-in', '70%'], 0],
    ['at70', ['--expires-in', '71%'], 1],
    ['fresh', ['--expires-in', '0%'], 0],
    ['expired', ['--expires-in', '100%'], 0],
    ['at70', ['--expires-in', '10d'], 0],
    ['at70', ['--expires-in', '8d'], 1],
    ['at70', ['--expires-in', '1w'], 1],
    ['at70', ['--expires-in', '1w3d'], 0],
    ['at70', ['--expires-in', '217h'], 0],
    ['expired', ['--expires-in', '0s'], 0],
    ['fresh', ['--expires-in', '0s'], 1],
  ] as [string, string[], number][])('%s %j exits %i, silently', async (name, flags, code) => {
    const r = await check(file(name), ...flags);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code, stdout: '', stderr: '' });
  });

  it('reads DER, and of a chain file the first certificate', async () => {
    expect((await check(join(tmp.dir, 'at70.der'))).code).toBe(0);
    expect((await check(join(tmp.dir, 'fresh-then-expired.pem'))).code).toBe(1);
  });

  it('-v / --verbose says why, on stdout', async () => {
    const needs = await check(file('at70'), '-v');
    expect(needs.code).toBe(0);
    expect(needs.stdout).toMatch(
      new RegExp(
        `^${file('at70')}: needs renewal: 70(\\.\\d)?% of its lifetime has passed, expires in 8d 23h \\d+m \\(.+Z\\); renewal at 66% of its lifetime\\n$`,
      ),
    );
    const fine = await check(file('fresh'), '--verbose', '--expires-in', '2w');
    expect(fine.code).toBe(1);
    expect(fine.stdout).toContain('does not need renewal: 3.3% of its lifetime has passed, expires in 28d 23h');
    expect(fine.stdout).toContain('renewal at expiry within 14d');
    expect((await check(file('expired'), '-v')).stdout).toMatch(
      /needs renewal: 103\.3% of its lifetime has passed, expired 1d[ 0-9hms]* ago/,
    );
  });

  it('a missing file exits 2, naming it', async () => {
    const r = await check(join(tmp.dir, 'nope.crt'));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(tmp.dir, 'nope.crt')}: certificate not found`);
  });

  it.each([
    [['garbage.crt'], /garbage\.crt: neither a certificate nor a certificate signing request, in PEM or DER/],
    [['a-directory.crt'], /a-directory\.crt: certificate is a directory, not a file/],
    [['certs/req.csr'], /req\.csr: a certificate signing request, not a certificate/],
    [['certs/req.key'], /req\.key: a PEM file holding a private key, not a certificate/],
    [['certs/fresh.crt', '--expires-in', '101%'], /--expires-in: "101%" is not a share of the lifetime/],
    [['certs/fresh.crt', '--expires-in', '1.5%'], /--expires-in: "1\.5%" is not a share of the lifetime/],
    [['certs/fresh.crt', '--expires-in', '-5%'], /--expires-in: "-5%" is not a share of the lifetime/],
    [['certs/fresh.crt', '--expires-in', 'soon'], /--expires-in: "soon" is neither a percentage nor a duration/],
    [['certs/fresh.crt', '--bundle'], /unknown option '--bundle'/],
    [[], /missing required argument 'file'/],
    [['certs/fresh.crt', 'certs/at70.crt'], /too many arguments/],
  ] as [string[], RegExp][])('%j exits 255, never 1 (which a cron job reads as "fine") nor 2', async (args, message) => {
    const r = await check(...args);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 255, stderr: expect.stringMatching(message) });
    expect(r.stderr).not.toContain('PRIVATE KEY');
  });

  it('works as a cron guard: renews only what needs it', async () => {
    const guard = (name: string) =>
      execFileSync('bash', ['-c', `"${process.execPath}" "$CERTRPC" cert needs-renewal "$F" && echo renew || echo "keep (exit $?)"`], {
        env: { ...process.env, CERTRPC: join(__dirname, '..', '..', 'bin', 'certrpc'), F: file(name) },
      }).toString();
    expect(guard('at70')).toBe('renew\n');
    expect(guard('fresh')).toBe('keep (exit 1)\n');
  });

  it('--help shows the exit codes and exits 0', async () => {
    const r = await check('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Exit codes \(as step certificate needs-renewal[^)]*\):\n {2}0 +the certificate needs renewal[^\n]*\n {2}1 +it does not need renewal yet\n {2}2 +the certificate file does not exist\n {2}255 +any other error/,
    );
  });
});
