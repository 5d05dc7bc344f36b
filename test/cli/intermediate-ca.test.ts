// Issue 16 item 1: intermediate CAs. `pki init --intermediate` (a new root, under DIR's root, or
// under another directory's root whose key never comes here); certificates carry the chain; servers
// and clients send it and verify it against the root alone; OpenSSL (-untrusted, -crl_check_all)
// accepts the chains and the CRLs (one per CA); cert verify/inspect/list, revocation of a leaf and of
// the intermediate, ca crl with the root key offline, ca rotate/retire of the intermediate.
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pemBlocks } from '../../src/pki/pem';
import { runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { opensslCsr } from '../helpers/openssl-pki';
import { tempDir } from '../helpers/temp-dir';
import { requireTool } from '../helpers/tools';

jest.setTimeout(120_000);

const openssl = (...args: string[]) => spawnSync(requireTool('openssl'), args, { encoding: 'utf8' });
const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber.toLowerCase().replace(/^0+/, '');
const snapshot = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.includes('.'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );

describe('intermediate CAs: pki init --intermediate, chains, CRLs per CA, rotation', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'pki');
  const cli = (...args: string[]) => runCli([...args, '--dir', dir]);
  const verifyAll = (leaf: string) =>
    openssl(
      'verify',
      '-crl_check_all',
      '-CRLfile',
      join(dir, 'crl.pem'),
      '-untrusted',
      join(dir, 'intermediate', 'ca.crt'),
      '-CAfile',
      join(dir, 'ca.crt'),
      leaf,
    );
  afterAll(() => tmp.cleanup());

  it('makes a root and an intermediate; issued certificates hold the chain and OpenSSL verifies them', async () => {
    const init = await cli('pki', 'init', '--intermediate');
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('created intermediate CA "CN=certrpc intermediate CA"');
    expect(statSync(join(dir, 'intermediate', 'ca.key')).mode & 0o777).toBe(0o600);
    const root = new X509Certificate(readFileSync(join(dir, 'ca.crt')));
    const inter = new X509Certificate(readFileSync(join(dir, 'intermediate', 'ca.crt')));
    expect(pemBlocks(readFileSync(join(dir, 'ca.crt'), 'utf8'))).toHaveLength(1); // the trust anchor is the root alone
    expect(inter.ca && inter.checkIssued(root) && inter.verify(root.publicKey)).toBe(true);
    expect(openssl('x509', '-in', join(dir, 'intermediate', 'ca.crt'), '-noout', '-text').stdout).toMatch(/CA:TRUE, pathlen:0/);
    // One CRL per CA, each signed by its CA.
    const crls = readFileSync(join(dir, 'crl.pem'), 'utf8').match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g)!;
    expect(crls).toHaveLength(2);

    const issued = await Promise.all([
      cli('cert', 'issue', 'web', '--server', '--san', 'DNS:localhost,IP:127.0.0.1'),
      cli('cert', 'issue', 'alice', '--client'),
    ]);
    expect(issued.map((r) => r.code)).toEqual([0, 0]);
    const blocks = pemBlocks(readFileSync(join(dir, 'alice.crt'), 'utf8')).map((b) => new X509Certificate(b));
    expect(blocks).toHaveLength(2);
    expect(blocks[1].fingerprint256).toBe(inter.fingerprint256);
    expect(openssl('verify', '-CAfile', join(dir, 'ca.crt'), join(dir, 'alice.crt')).status).not.toBe(0); // the root alone is not enough...
    for (const name of ['web', 'alice']) {
      const r = openssl(
        'verify',
        '-untrusted',
        join(dir, 'intermediate', 'ca.crt'),
        '-CAfile',
        join(dir, 'ca.crt'),
        join(dir, `${name}.crt`),
      ); // ...with the chain it is
      expect(r.stdout.trim()).toBe(`${join(dir, `${name}.crt`)}: OK`);
      expect(verifyAll(join(dir, `${name}.crt`)).status).toBe(0);
    }
    opensslCsr(tmp.dir, 'app', '/CN=app');
    const [verify, inspect, list, sign] = await Promise.all([
      cli('cert', 'verify', join(dir, 'alice.crt')),
      cli('cert', 'inspect', join(dir, 'alice.crt'), '--json'),
      cli('cert', 'list', '--json'),
      cli('cert', 'sign', join(tmp.dir, 'app.csr'), '--client', '-o', join(tmp.dir, 'app.crt')),
    ]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('OK (CN=alice <- CN=certrpc intermediate CA <- CN=certrpc root CA); not revoked');
    const [leafInfo, interInfo] = JSON.parse(inspect.stdout) as { chain: { ok: boolean }; basicConstraints: { ca: boolean } }[];
    expect(leafInfo.chain.ok).toBe(true);
    expect(interInfo.basicConstraints.ca).toBe(true);
    // The identities (cert sign, run alongside, may or may not have recorded app's certificate yet: DIR/signed/).
    expect(
      (JSON.parse(list.stdout) as { name: string; source: string; status: string; issuer: string }[])
        .filter((r) => r.source === 'issued')
        .map((r) => [r.name, r.status, r.issuer]),
    ).toEqual([
      ['alice', 'valid', 'CN=certrpc intermediate CA'],
      ['web', 'valid', 'CN=certrpc intermediate CA'],
    ]);
    // cert sign writes the chain too.
    expect(sign.code).toBe(0);
    expect(pemBlocks(readFileSync(join(tmp.dir, 'app.crt'), 'utf8'))).toHaveLength(2);
    expect(verifyAll(join(tmp.dir, 'app.crt')).status).toBe(0);
  });

  it('serves and calls with chains (each side trusts only the root); a revoked leaf is refused by OpenSSL and the server', async () => {
    const server = await startCli(['serve', '--dir', dir, '--name', 'web', '--port', '0']);
    try {
      const call = await runCli(['call', server.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', '--dir', dir]);
      expect(call.stderr).toBe('');
      expect(JSON.parse(call.stdout)).toMatchObject({ commonName: 'alice', issuer: 'CN=certrpc intermediate CA' });
      const reloads = logLines(server.logs()).filter((l) => l.event === 'reloaded').length;
      const revoke = await cli('cert', 'revoke', 'alice');
      expect(revoke.stdout).toContain('listed by the CRL of "CN=certrpc intermediate CA"');
      await eventually(
        () => logLines(server.logs()).filter((l) => l.event === 'reloaded').length > reloads,
        'the server to load the new CRL',
      );
      const refused = await runCli(['call', server.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', '--dir', dir]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/the server refused/);
      const revoked = verifyAll(join(dir, 'alice.crt'));
      expect(revoked.stdout + revoked.stderr).toMatch(/error 23 at 0 depth lookup: certificate revoked/);
    } finally {
      await server.stop();
    }
  });

  it('revoking the intermediate (on the root CRL) revokes every certificate under it, for OpenSSL, cert verify and cert list', async () => {
    const copy = join(tmp.dir, 'copy');
    expect(spawnSync('cp', ['-a', dir, copy]).status).toBe(0);
    const interSerial = serialOf(join(copy, 'intermediate', 'ca.crt'));
    const r = await runCli(['cert', 'revoke', '--serial', interSerial, '--dir', copy]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('listed by the CRL of "CN=certrpc root CA"');
    const v = openssl(
      'verify',
      '-crl_check_all',
      '-CRLfile',
      join(copy, 'crl.pem'),
      '-untrusted',
      join(copy, 'intermediate', 'ca.crt'),
      '-CAfile',
      join(copy, 'ca.crt'),
      join(copy, 'web.crt'),
    );
    expect(v.stdout + v.stderr).toMatch(/error 23 at 1 depth lookup: certificate revoked/);
    const verify = await runCli(['cert', 'verify', join(copy, 'web.crt'), '--dir', copy]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(
      `FAILED CERT_REVOKED: the intermediate CA (serial ${interSerial}) that certificate "CN=web" chains through was revoked`,
    );
    const list = JSON.parse((await runCli(['cert', 'list', '--json', '--dir', copy])).stdout) as {
      name: string;
      status: string;
      detail: string;
    }[];
    expect(list.find((row) => row.name === 'web')).toMatchObject({
      status: 'revoked',
      detail: expect.stringContaining(`its CA "CN=certrpc intermediate CA" (serial ${interSerial}) was revoked`),
    });
  });

  it("an intermediate under another directory's root: the root key never comes here; with it offline, ca crl carries the root CRL and a change that needs it is refused", async () => {
    const rootDir = join(tmp.dir, 'offline-root');
    const interDir = join(tmp.dir, 'online');
    expect((await runCli(['pki', 'init', '--dir', rootDir, '--cn', 'offline root'])).code).toBe(0);
    const init = await runCli(['pki', 'init', '--intermediate', '--root', rootDir, '--dir', interDir]);
    expect(init.code).toBe(0);
    expect(existsSync(join(interDir, 'ca.key'))).toBe(false);
    expect(readFileSync(join(interDir, 'ca.crt'), 'utf8')).toBe(readFileSync(join(rootDir, 'ca.crt'), 'utf8'));
    expect((await runCli(['cert', 'issue', 'svc', '--client', '--dir', interDir])).code).toBe(0);
    const crl = await runCli(['ca', 'crl', '--dir', interDir]);
    expect(crl.stderr).toBe('');
    expect(crl.stdout).toMatch(/"CN=offline root" \(serial [0-9a-f]+\): 0 revoked/);
    const ok = openssl(
      'verify',
      '-crl_check_all',
      '-CRLfile',
      join(interDir, 'crl.pem'),
      '-untrusted',
      join(interDir, 'intermediate', 'ca.crt'),
      '-CAfile',
      join(interDir, 'ca.crt'),
      join(interDir, 'svc.crt'),
    );
    expect(ok.status).toBe(0);
    const before = snapshot(interDir);
    const [refused, rotate] = await Promise.all([
      runCli(['cert', 'revoke', '--serial', serialOf(join(interDir, 'intermediate', 'ca.crt')), '--dir', interDir]),
      runCli(['ca', 'rotate', '--dir', interDir]),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs a new CRL of "CN=offline root", whose key is offline; nothing was written/);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toMatch(/whose key is not here; nothing was written/);
    expect(snapshot(interDir)).toEqual(before);
  });

  it('ca rotate makes a new intermediate under the same root (ca.crt unchanged); ca retire waits for the certificates of the old one', async () => {
    const caCrt = readFileSync(join(dir, 'ca.crt'), 'utf8');
    const oldSerial = serialOf(join(dir, 'intermediate', 'ca.crt'));
    const rotate = await cli('ca', 'rotate');
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toContain('new intermediate CA "CN=certrpc intermediate CA G2"');
    // What to move: web is renewed; app.crt, signed from a CSR, has no NAME to renew: it is signed again, then superseded.
    const appSerial = serialOf(join(tmp.dir, 'app.crt'));
    expect(rotate.stdout).toMatch(/next: move identities to it \(certrpc cert renew web; /);
    expect(rotate.stdout).toContain(`certrpc cert revoke --serial ${appSerial} --reason superseded`);
    expect(rotate.stdout).not.toContain('(signed)');
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(caCrt);
    expect(existsSync(join(dir, 'intermediate', `ca-${oldSerial}.crt`))).toBe(true);
    expect(readFileSync(join(dir, 'crl.pem'), 'utf8').match(/BEGIN X509 CRL/g)).toHaveLength(3);
    const early = await cli('ca', 'retire');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('still signs certificates in use: web');
    expect((await cli('cert', 'renew', 'web')).code).toBe(0);
    expect(new X509Certificate(pemBlocks(readFileSync(join(dir, 'web.crt'), 'utf8'))[1]).subject).toBe('CN=certrpc intermediate CA G2');
    // app.crt, signed from a CSR by the old intermediate (and recorded in DIR/signed/), holds it too until it is superseded.
    const waiting = await cli('ca', 'retire');
    expect(waiting.code).toBe(1);
    expect(waiting.stderr).toContain(`certrpc cert revoke --serial ${appSerial} --reason superseded`);
    expect((await cli('cert', 'revoke', '--serial', appSerial, '--reason', 'superseded')).code).toBe(0);
    const retire = await cli('ca', 'retire');
    expect(retire.code).toBe(0);
    expect(existsSync(join(dir, 'intermediate', `ca-${oldSerial}.crt`))).toBe(false);
    expect(existsSync(join(dir, 'retired', `ca-${oldSerial}.key`))).toBe(true);
    expect(readFileSync(join(dir, 'crl.pem'), 'utf8').match(/BEGIN X509 CRL/g)).toHaveLength(2);
    const verify = openssl(
      'verify',
      '-crl_check_all',
      '-CRLfile',
      join(dir, 'crl.pem'),
      '-untrusted',
      join(dir, 'intermediate', 'ca.crt'),
      '-CAfile',
      join(dir, 'ca.crt'),
      join(dir, 'web.crt'),
    );
    expect(verify.status).toBe(0);
  });
});
