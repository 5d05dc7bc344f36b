// Issue 12, item 5: `cert verify` and `cert inspect` called a revoked certificate valid, and `doctor`
// could only guess ("it does not trust that CA, or the certificate is revoked"). They now read
// DIR/crl.pem (and DIR/revocations.json) and say revoked, with the date and the reason.
// Real CLI processes, real `certrpc serve` servers.
import { X509Certificate } from 'node:crypto';
import { cpSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);

const serial = (file: string) => new X509Certificate(readFileSync(file)).serialNumber.toLowerCase().replace(/^0+/, '');
const ISO = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z';

describe('cert verify, cert inspect and doctor say "revoked", with the date and reason', () => {
  const tmp = tempDir();
  const stale = tempDir(); // the same PKI, copied before bob was revoked: a server there does not know
  let pki: PkiDir;
  let enforcing: RunningServer;
  let notEnforcing: RunningServer;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    cpSync(tmp.dir, stale.dir, { recursive: true });
    expect((await cli('cert', 'revoke', 'bob', '--reason', 'keyCompromise')).code).toBe(0);
    enforcing = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0']);
    notEnforcing = await startCli(['serve', '--demo', '--dir', stale.dir, '--port', '0']);
  });
  afterAll(async () => {
    await enforcing?.stop();
    await notEnforcing?.stop();
    tmp.cleanup();
    stale.cleanup();
  });

  it('cert verify: FAILED CERT_REVOKED with date and reason, exit 1; an unrevoked one says what was checked', async () => {
    const bob = await cli('cert', 'verify', pki.certFile('bob'));
    expect(bob.code).toBe(1);
    expect(bob.stderr).toMatch(
      new RegExp(
        `FAILED CERT_REVOKED: certificate "CN=bob" \\(serial ${serial(pki.certFile('bob'))}\\) was revoked at ${ISO} \\(keyCompromise\\), according to ${pki.crlFile}`,
      ),
    );
    const json = JSON.parse((await cli('cert', 'verify', pki.certFile('bob'), '--json')).stdout);
    expect(json).toMatchObject({
      ok: false,
      code: 'CERT_REVOKED',
      revocation: { revoked: true, reason: 'keyCompromise', source: pki.crlFile },
    });
    const alice = await cli('cert', 'verify', pki.certFile('alice'));
    expect(alice.code).toBe(0);
    expect(alice.stdout).toContain(`OK (CN=alice <- CN=certrpc demo CA); not revoked (checked ${pki.crlFile}, ${pki.revocationsFile})`);
    expect((await cli('cert', 'verify', '--help')).stdout).toMatch(
      /1 +it does not: untrusted, expired, not yet valid, wrong purpose, a CA's pathlen or name constraints broken\s+\(PATH_LENGTH_EXCEEDED, PERMITTED_VIOLATION, EXCLUDED_VIOLATION\.\.\.\), or revoked \(FAILED CERT_REVOKED/,
    );
  });

  it('cert inspect: a Revocation line and a JSON revocation object', async () => {
    const text = await cli('cert', 'inspect', pki.certFile('bob'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`Revocation: +REVOKED: revoked at ${ISO} \\(keyCompromise\\), according to ${pki.crlFile}`));
    const json = JSON.parse((await cli('cert', 'inspect', pki.certFile('bob'), '--json')).stdout);
    expect(json.revocation).toMatchObject({
      revoked: true,
      serial: serial(pki.certFile('bob')),
      reason: 'keyCompromise',
      source: pki.crlFile,
    });
    expect(JSON.parse((await cli('cert', 'inspect', pki.certFile('alice'), '--json')).stdout).revocation).toEqual({
      revoked: false,
      checked: [pki.crlFile, pki.revocationsFile],
    });
  });

  it('reads crl.pem itself: with revocations.json gone, verify, inspect and list still say revoked', async () => {
    const moved = join(tmp.dir, 'revocations.json.away');
    renameSync(pki.revocationsFile, moved);
    try {
      const bob = await cli('cert', 'verify', pki.certFile('bob'));
      expect(bob.code).toBe(1);
      expect(bob.stderr).toMatch(/FAILED CERT_REVOKED: .* \(keyCompromise\), according to .*crl\.pem/);
      expect((await cli('cert', 'inspect', pki.certFile('bob'))).stdout).toMatch(/Revocation: +REVOKED/);
      expect((await cli('cert', 'list', '--status', 'revoked')).stdout).toMatch(/^bob .* revoked: revoked \S+ \(keyCompromise\)$/m);
    } finally {
      renameSync(moved, pki.revocationsFile);
    }
  });

  it('doctor: the refused certificate is revoked (date, reason), not "an untrusted CA, or revoked"', async () => {
    const r = await runCli(['doctor', enforcing.address, '--identity', 'bob', '--dir', tmp.dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `FAIL {2}client certificate accepted +the server refused your certificate: it is revoked \\(serial [0-9a-f]+ was revoked at ${ISO} \\(keyCompromise\\), according to .*crl\\.pem\\)\\n +fix: ask for a new certificate`,
      ),
    );
    expect((await runCli(['doctor', enforcing.address, '--identity', 'alice', '--dir', tmp.dir])).code).toBe(0);
  });

  it('doctor: a server that accepts a revoked certificate is reported as not enforcing the CRL', async () => {
    const r = await runCli(['doctor', notEnforcing.address, '--identity', 'bob', '--dir', tmp.dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /FAIL {2}client certificate accepted +the server accepted your certificate, but it is revoked \(.*\(keyCompromise\).*\): the server does not enforce the current CRL\n +fix: make the server load the current crl\.pem/,
    );
  });
});
