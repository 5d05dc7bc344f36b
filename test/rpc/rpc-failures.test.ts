// Issue 5 acceptance: every way a connection fails gets its reason in words, the side that said
// no, the fix and exit code 1 (grpcurl's for a failed dial); `certrpc doctor` stops at the right step.
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { serveDirectory } from '../../src/app/serve-directory';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { parseSanList } from '../../src/pki/subject-alt-names';
import { runCli } from '../helpers/cli';
import { demoPki, issue, otherCa } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';

const DAY = 86_400_000;

/** A port nothing listens on: bound once by us, then closed. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createTcpServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// Several CLI processes per test: on a loaded 2-core machine each can take seconds to start.
jest.setTimeout(90_000);

describe('connection failures explained by certrpc call and doctor', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let pki: PkiDir;
  let other: PkiDir;
  let server: CertrpcServer;
  let misnamed: CertrpcServer;
  let address: string;
  const certrpc = (args: string[]) => runCli(args, { env: { CERTRPC_DIR: dir } });
  const whoAmI = (addr: string, ...flags: string[]) => certrpc(['call', addr, 'certrpc.v1.Identity/WhoAmI', ...flags]);

  beforeAll(async () => {
    pki = await demoPki(dir);
    other = await otherCa(join(tmp.dir, 'other'));
    await issue(other, 'eve');
    await issue(pki, 'expired', { validity: { notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) } });
    await issue(pki, 'elsewhere', { profile: 'server', sans: parseSanList('DNS:elsewhere.example') });
    server = await serveDirectory({ pki, demo: true, port: 0, onRefusedHandshake: () => undefined, policy: allowAllAuthenticated() });
    misnamed = await serveDirectory({
      pki,
      demo: true,
      name: 'elsewhere',
      port: 0,
      onRefusedHandshake: () => undefined,
      policy: allowAllAuthenticated(),
    });
    address = `127.0.0.1:${server.listening!.port}`;
  });
  afterAll(async () => {
    await Promise.all([server.shutdown(1000), misnamed.shutdown(1000)]);
    tmp.cleanup();
  });

  it('works with a good identity (the baseline the failures differ from)', async () => {
    const r = await whoAmI(address, '--identity', 'alice');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).commonName).toBe('alice');
  });

  it('server certificate from a CA the client does not trust: names both issuers', async () => {
    const r = await whoAmI(address, '--identity', 'alice', '--cacert', other.caCertFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /this client refused the server: the server's certificate is not signed by a CA you trust: it was issued by "CN=certrpc demo CA", you trust "CN=some other CA"/,
    );
    expect(r.stderr).toMatch(/fix: use the CA bundle that signed the server/);
  });

  it.each([
    ["the server's own certificate", 'server', ['--identity', 'alice']],
    ["the caller's own certificate", 'alice', ['--identity', 'alice']],
    ['a leaf, with --cert/--key', 'server', ['--cert', 'CERT:alice', '--key', 'KEY:alice']],
    ['a leaf, with no client certificate', 'server', []],
  ])('--cacert pointing at a leaf certificate (%s): refused before connecting, naming the file and the fix', async (_what, leaf, flags) => {
    const leafFile = pki.certFile(leaf as string);
    const args = (flags as string[]).map((f) =>
      f.replace(/^CERT:(.*)$/, (_m, n) => pki.certFile(n)).replace(/^KEY:(.*)$/, (_m, n) => pki.keyFile(n)),
    );
    const r = await whoAmI(address, ...args, '--cacert', leafFile);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const subject = new X509Certificate(readFileSync(leafFile)).subject.replace(/\n/g, ', ');
    expect(r.stderr).toContain(
      `${leafFile}: "${subject}" is not a CA certificate (no basicConstraints CA:TRUE), so it cannot vouch for other certificates`,
    );
    expect(r.stderr).toContain(
      `fix: point --cacert at the CA certificate that signed the server's certificate (e.g. ${pki.caCertFile}), not a server or client certificate`,
    );
    // Before connecting: the server never saw a handshake (it would have been refused or failed on trust).
    expect(r.stderr).not.toMatch(/refused the server|handshake/);
  });

  it('DIR/ca.crt replaced by a leaf certificate: refused before connecting, naming the file and the fix', async () => {
    const swapped = join(tmp.dir, 'leaf-as-ca');
    mkdirSync(swapped);
    for (const file of ['alice.crt', 'alice.key']) copyFileSync(join(dir, file), join(swapped, file));
    copyFileSync(pki.certFile('server'), join(swapped, 'ca.crt'));
    const r = await whoAmI(address, '--identity', 'alice', '--dir', swapped);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${join(swapped, 'ca.crt')}: "${new X509Certificate(readFileSync(pki.certFile('server'))).subject.replace(/\n/g, ', ')}" is not a CA certificate`,
    );
    expect(r.stderr).toContain(
      `fix: put the CA certificate back in ${join(swapped, 'ca.crt')} (the one \`certrpc pki init\` wrote), or point --cacert at the CA certificate that signed the server's certificate`,
    );
  });

  it('name mismatch: lists the names the server certificate has', async () => {
    const r = await whoAmI(`127.0.0.1:${misnamed.listening!.port}`, '--identity', 'alice');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /this client refused the server: the server's certificate is not valid for the name you dialed \(127\.0\.0\.1\): its names are DNS:elsewhere\.example/,
    );
    expect(r.stderr).toMatch(/fix: dial one of the names the certificate has, pass --authority NAME/);
    const fixed = await whoAmI(`127.0.0.1:${misnamed.listening!.port}`, '--identity', 'alice', '--authority', 'elsewhere.example');
    expect(fixed.code).toBe(0);
  });

  it('--server-id: a URI SAN the server lacks is refused, the one it has is accepted', async () => {
    const wrong = await whoAmI(address, '--identity', 'alice', '--server-id', 'spiffe://certrpc.demo/service/other');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /does not carry the server id you expect \(spiffe:\/\/certrpc\.demo\/service\/other\): its names are .*URI:spiffe:\/\/certrpc\.demo\/service\/demo/,
    );
    const right = await whoAmI(address, '--identity', 'alice', '--server-id', 'spiffe://certrpc.demo/service/demo');
    expect(right.code).toBe(0);
  });

  it('no client certificate: the server refused, pass --identity', async () => {
    const r = await whoAmI(address);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /the server refused the connection: the server requires a client certificate and you sent none[\s\S]*fix: pass --identity NAME/,
    );
  });

  it("a self-signed client certificate (mallory's)", async () => {
    const r = await whoAmI(address, '--identity', 'mallory');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the server refused the connection: the server refused your certificate: it is self-signed \("CN=mallory"\)/);
  });

  it('a client certificate from another CA', async () => {
    const r = await whoAmI(address, '--cert', other.certFile('eve'), '--key', other.keyFile('eve'), '--cacert', pki.caCertFile);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the server refused your certificate \(issued by "CN=some other CA"\): it does not trust that CA/);
  });

  it('an expired client certificate', async () => {
    const r = await whoAmI(address, '--identity', 'expired');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the server refused the connection: the server refused your certificate: it has expired[\s\S]*fix: renew it/);
  });

  it('a key that does not belong to the certificate: caught before connecting', async () => {
    const r = await whoAmI(address, '--cert', pki.certFile('alice'), '--key', pki.keyFile('bob'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `certrpc: ${pki.keyFile('bob')}: the private key does not belong to the certificate ${pki.certFile('alice')}`,
    );
    expect(r.stderr).toMatch(/fix: use the key created together with that certificate/);
  });

  it('nothing listening', async () => {
    const port = await closedPort();
    const r = await whoAmI(`127.0.0.1:${port}`, '--identity', 'alice');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(`could not connect: nothing is listening on 127\\.0\\.0\\.1:${port} \\[ECONNREFUSED\\]\\n {2}fix: start the server`),
    );
  });

  it('a port that accepts TCP but never answers TLS: gives up after --connect-timeout', async () => {
    const silent = createTcpServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const r = await whoAmI(`127.0.0.1:${port}`, '--identity', 'alice', '--connect-timeout', '1');
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`could not connect: no answer from 127\\.0\\.0\\.1:${port} in time`));
    } finally {
      silent.close();
    }
  });

  it('bad identity flags are usage errors (exit 2) or missing files (exit 1), before any connection', async () => {
    expect((await whoAmI(address, '--identity', 'alice', '--cert', pki.certFile('bob'))).code).toBe(2);
    expect((await whoAmI(address, '--cert', pki.certFile('bob'))).code).toBe(2);
    const missing = await whoAmI(address, '--identity', 'nobody');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no identity named "nobody"[\s\S]*fix: issue it with: certrpc cert issue nobody --client/);
    expect((await whoAmI('no-port', '--identity', 'alice')).code).toBe(2);
  });

  describe('doctor', () => {
    const lines = (stdout: string) => stdout.trim().split('\n').slice(1);

    it('passes every step against a healthy server', async () => {
      const r = await certrpc(['doctor', address, '--identity', 'alice']);
      expect(r.code).toBe(0);
      const steps = lines(r.stdout);
      expect(steps).toHaveLength(6);
      expect(steps.every((l) => l.startsWith('  ok'))).toBe(true);
      expect(r.stdout).toMatch(
        /ok {4}server chain and names {7}CN=localhost, issued by CN=certrpc demo CA \(trusted\), valid for 127\.0\.0\.1/,
      );
      expect(r.stdout).toMatch(/ok {4}WhoAmI +the server sees you as CN=alice \(spiffe:\/\/certrpc\.demo\/user\/alice\)/);
      expect(r.stdout).toMatch(/ok {4}health +SERVING/);
    });

    it('stops at "server chain and names" for a CA the client does not trust', async () => {
      const r = await certrpc(['doctor', address, '--identity', 'alice', '--cacert', other.caCertFile]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/ok {4}TLS handshake/);
      expect(r.stdout).toMatch(
        /FAIL {2}server chain and names +the server's certificate is not signed by a CA you trust: it was issued by "CN=certrpc demo CA", you trust "CN=some other CA"\n +fix: /,
      );
      expect(r.stdout).toMatch(/- {5}client certificate accepted +not run/);
    });

    it('stops at "server chain and names" for a name mismatch, listing the names', async () => {
      const r = await certrpc(['doctor', `127.0.0.1:${misnamed.listening!.port}`, '--identity', 'alice']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(
        /FAIL {2}server chain and names +the server's certificate is not valid for the name you dialed \(127\.0\.0\.1\): its names are DNS:elsewhere\.example/,
      );
    });

    it('stops at "client certificate accepted" without a client certificate', async () => {
      const r = await certrpc(['doctor', address]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/ok {4}server chain and names/);
      expect(r.stdout).toMatch(
        /FAIL {2}client certificate accepted +the server requires a client certificate and you sent none\n +fix: pass --identity NAME/,
      );
      expect(r.stdout).toMatch(/- {5}WhoAmI +not run\n {2}- {5}health +not run/);
    });

    it('stops at "TCP connect" when nothing listens', async () => {
      const port = await closedPort();
      const r = await certrpc(['doctor', `127.0.0.1:${port}`, '--identity', 'alice']);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/FAIL {2}TCP connect +nothing is listening/);
    });
  });
});
