// Issue 7, part 5: the mTLS CONNECT proxy. certrpc serve and certrpc proxy run as child processes;
// calls go through the proxy with certrpc call, the library client and curl.
import { X509Certificate } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { createClient } from '../../src/client/create-client';
import { unary } from '../../src/client/unary';
import { IdentityClient } from '../../src/gen/certrpc/v1/identity';
import { KeyValueClient } from '../../src/gen/demo/v1/kv';
import { serveDirectory } from '../../src/app/serve-directory';
import { PkiDir } from '../../src/store/pki-dir';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { grpcError } from '../helpers/calls';
import { sigtermAtListening } from '../helpers/signal-at-listening';
import { clientTls, demoPki, issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { requireTool, run } from '../helpers/tools';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { createCa } from '../../src/pki/ca';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');
const WHOAMI = 'certrpc.v1.Identity/WhoAmI';

describe('certrpc proxy: mTLS CONNECT tunnels decided by policy', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let proxy: RunningServer;
  let proxyUrl: string;
  let curl: string;

  const call = (...args: string[]) => runCli(['call', server.address, WHOAMI, '--dir', tmp.dir, '--proxy', proxyUrl, ...args]);
  const proxyLog = () => logLines(proxy.logs());
  const serialOf = (name: string) => new X509Certificate(readFileSync(pki.certFile(name))).serialNumber.toLowerCase().replace(/^0+/, '');

  beforeAll(async () => {
    curl = requireTool('curl');
    pki = await demoPki(tmp.dir);
    expect((await runCli(['cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1', '--dir', tmp.dir])).code).toBe(0);
    // A second certificate for alice (same CN, so the same admin role): the one that gets revoked.
    expect((await runCli(['cert', 'issue', 'alice-laptop', '--client', '--cn', 'alice', '--dir', tmp.dir])).code).toBe(0);
    server = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0', '--policy', POLICY]);
    proxy = await startCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', POLICY]);
    proxyUrl = `https://${proxy.address}`;
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    tmp.cleanup();
  });

  it('certrpc call --proxy works, and the server sees the caller’s own certificate (end-to-end mTLS)', async () => {
    const result = await call('--identity', 'alice');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const me = JSON.parse(result.stdout);
    expect(me).toMatchObject({ commonName: 'alice', serial: serialOf('alice'), roles: ['admin'] });
    // Not the proxy's certificate: the proxy relays bytes and holds no part of the caller's TLS session.
    expect(me.commonName).not.toBe('proxy');
  });

  it('audits each tunnel: caller CN and serial, target, decision, bytes each way, duration', async () => {
    const closed = await eventually(
      () => proxyLog().find((l) => l.event === 'tunnel_closed' && l.cn === 'alice'),
      'a tunnel_closed audit line',
    );
    expect(closed).toMatchObject({
      caller: 'CN=alice',
      serial: serialOf('alice'),
      target: server.address,
      decision: 'allow',
      rule: 'admin-tunnels',
      roles: ['admin'],
    });
    expect(closed.bytesUp).toBeGreaterThan(0);
    expect(closed.bytesDown).toBeGreaterThan(0);
    expect(typeof closed.durationMs).toBe('number');
    expect(proxyLog().some((l) => l.event === 'tunnel_opened' && l.serial === serialOf('alice'))).toBe(true);
  });

  it('the library client takes proxy: "https://HOST:PORT", for unary calls and streams alike', async () => {
    const tls = clientTls(pki, 'alice');
    const identity = createClient(IdentityClient, server.address, { tls, proxy: proxyUrl });
    const kv = createClient(KeyValueClient, server.address, { tls, proxy: proxyUrl });
    try {
      expect((await unary(identity, identity.whoAmI, {})).commonName).toBe('alice');
      await unary(kv, kv.put, { key: 'via', value: 'proxy' });
      expect(await unary(kv, kv.get, { key: 'via' })).toEqual({ key: 'via', value: 'proxy', found: true });
    } finally {
      identity.close();
      kv.close();
    }
  });

  it('refuses a client without a certificate with 407 and says why', async () => {
    const result = await call();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the proxy refused the tunnel: ${proxyUrl} answered 407 to CONNECT ${server.address}: this proxy requires a client certificate (mutual TLS) and you sent none`,
    );
    expect(result.stderr).toMatch(/fix: call with a client certificate/);
    await eventually(
      () => proxyLog().find((l) => l.event === 'handshake_refused' && l.code === 'NO_CERTIFICATE'),
      'the refused handshake in the proxy log',
    );
  });

  it('refuses a target the caller’s roles may not tunnel to with 403 and the policy’s reason', async () => {
    const result = await call('--identity', 'bob');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `answered 403 to CONNECT ${server.address}: CN=bob (roles: reader) may not open a tunnel to ${server.address}: tunnels there are allowed for roles admin`,
    );
    const line = await eventually(
      () => proxyLog().find((l) => l.event === 'tunnel_refused' && l.cn === 'bob'),
      'the refusal in the audit log',
    );
    expect(line).toMatchObject({ status: 403, decision: 'deny', target: server.address, serial: serialOf('bob'), roles: ['reader'] });
  });

  it('answers a malformed target with 400 and anything but CONNECT with 405', async () => {
    const ask = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const [host, port] = proxy.address.split(':');
        const alice = clientTls(pki, 'alice');
        const socket = tlsConnect(
          { host, port: Number(port), ca: alice.caPem, cert: alice.certPem, key: alice.keyPem, servername: 'localhost' },
          () => socket.write(request),
        );
        let answer = '';
        socket.on('data', (d) => (answer += d));
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    const bad = await ask('CONNECT not-a-target HTTP/1.1\r\nHost: not-a-target\r\n\r\n');
    expect(bad).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bad).toContain(
      'Proxy-Status: certrpc; error=http_request_error; details="bad CONNECT target: \\"not-a-target\\" is not HOST:PORT; ask for HOST:PORT, e.g. CONNECT 10.0.0.5:50051"',
    );
    const get = await ask('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(get).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(get).toMatch(/\r\nAllow: CONNECT\r\n/i);
  });

  it('curl can open a tunnel through it (--proxy https:// with --proxy-cacert/--proxy-cert/--proxy-key)', async () => {
    const ca = pki.caCertFile;
    const asAlice = ['--proxy-cert', pki.certFile('alice'), '--proxy-key', pki.keyFile('alice')];
    const tlsToServer = ['--cacert', ca, '--cert', pki.certFile('alice'), '--key', pki.keyFile('alice')];
    const ok = await run(curl, [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_connect} %{http_code}',
      '--proxy',
      proxyUrl,
      '--proxy-cacert',
      ca,
      ...asAlice,
      ...tlsToServer,
      `https://${server.address}/`,
    ]);
    // 200 from the proxy for CONNECT; then grpc-js itself answers curl's plain GET with 415.
    expect(ok.stdout).toBe('200 415');
    expect(ok.code).toBe(0);
    const denied = await run(curl, [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_connect}',
      '--proxy',
      proxyUrl,
      '--proxy-cacert',
      ca,
      '--proxy-cert',
      pki.certFile('bob'),
      '--proxy-key',
      pki.keyFile('bob'),
      ...tlsToServer,
      `https://${server.address}/`,
    ]);
    expect(denied.stdout).toBe('403');
    expect(denied.stderr).toMatch(/CONNECT tunnel failed, response 403/);
  });

  it('checks the server through the tunnel like a direct connection: its CA and IP name, or its service identity', async () => {
    // A certificate naming only an IP: the name check inside the tunnel must use the target's address.
    await issue(pki, 'ip-only', {
      profile: 'server',
      commonName: 'ip-only',
      san: 'IP:127.0.0.1,URI:spiffe://certrpc.demo/service/ip-only',
    });
    const direct = await serveDirectory({ pki, demo: true, name: 'ip-only', port: 0, policy: allowAllAuthenticated() });
    const address = `127.0.0.1:${direct.listening!.port}`;
    const client = (serverId?: string) =>
      createClient(IdentityClient, address, { tls: { ...clientTls(pki, 'alice'), serverId }, proxy: proxyUrl });
    const [byIp, byId, wrongId] = [
      client(),
      client('spiffe://certrpc.demo/service/ip-only'),
      client('spiffe://certrpc.demo/service/other'),
    ];
    try {
      expect((await unary(byIp, byIp.whoAmI, {})).commonName).toBe('alice');
      expect((await unary(byId, byId.whoAmI, {})).commonName).toBe('alice');
      const err = await grpcError(unary(wrongId, wrongId.whoAmI, {}));
      expect(err.details).toContain(
        "this client refused the server: the server's certificate does not carry the server id you expect (spiffe://certrpc.demo/service/other)",
      );
      expect(err.details).toContain(`(through the proxy ${proxyUrl})`);
    } finally {
      [byIp, byId, wrongId].forEach((c) => c.close());
      await direct.shutdown(1000);
    }
  });

  it("names an untrusted server's issuer through the tunnel as it does directly: escaped, beside the CAs you trust", async () => {
    // A CA whose name holds a comma: printed raw it would read as two attributes, CN=evil and O=Trusted.
    const evil = new PkiDir(join(tmp.dir, 'evil'));
    evil.writeCa(await createCa({ commonName: 'evil, O=Trusted' }));
    await issue(evil, 'server', { profile: 'server', san: 'IP:127.0.0.1' });
    const untrusted = await serveDirectory({ pki: evil, port: 0, policy: allowAllAuthenticated() });
    const identity = createClient(IdentityClient, `127.0.0.1:${untrusted.listening!.port}`, {
      tls: clientTls(pki, 'alice'),
      proxy: proxyUrl,
    });
    try {
      const err = await grpcError(unary(identity, identity.whoAmI, {}));
      expect(err.details).toContain(
        `this client refused the server: the server's certificate is not signed by a CA you trust: it was issued by "CN=evil\\, O=Trusted", you trust "CN=certrpc demo CA" (through the proxy ${proxyUrl})`,
      );
    } finally {
      identity.close();
      await untrusted.shutdown(1000);
    }
  });

  it('refuses a revoked client certificate once the CRL is published, with the reason', async () => {
    expect((await call('--identity', 'alice-laptop')).code).toBe(0);
    const revoked = await runCli(['cert', 'revoke', 'alice-laptop', '--reason', 'keyCompromise', '--dir', tmp.dir]);
    expect(revoked.code).toBe(0);
    // The proxy watches DIR/crl.pem. Its reload swaps the listener's CRL before it logs "reloaded", so
    // the first tunnel asked for after that line meets the new CRL at the proxy's handshake (the server
    // behind it, with its own call-level check, is never reached).
    await eventually(
      () => proxyLog().find((l) => l.event === 'reloaded' && (l.crls as { revoked: number }[] | undefined)?.some((c) => c.revoked >= 1)),
      'the proxy to reload the CRL that lists alice-laptop',
    );
    const result = await call('--identity', 'alice-laptop');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered 403');
    expect(result.stderr).toContain('this proxy refused your client certificate: it is revoked [CERT_REVOKED]');
    const line = await eventually(
      () => proxyLog().find((l) => l.event === 'handshake_refused' && l.code === 'CERT_REVOKED'),
      'the revocation refusal in the proxy log',
    );
    expect(line).toMatchObject({ subject: 'CN=alice', serial: serialOf('alice-laptop') });
    // alice's other certificate is not revoked and still works.
    expect((await call('--identity', 'alice')).code).toBe(0);
  });

  it('a SIGTERM sent the moment "listening on" is printed still stops gracefully (the handlers come first)', async () => {
    const ended = await sigtermAtListening(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', POLICY]);
    expect(ended.stdout).toMatch(/listening on 127\.0\.0\.1:\d+/);
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(logLines(ended.stderr).find((l) => l.msg === 'shutting down')).toMatchObject({ signal: 'SIGTERM', tunnels: 0 });
  });

  it('a second SIGTERM while tunnels drain does not kill the proxy: the drain ends as the first began it, exit 0', async () => {
    const own = await startCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', POLICY]);
    const [host, port] = own.address.split(':');
    const alice = clientTls(pki, 'alice');
    // An open tunnel keeps the proxy draining (up to 5 s) after the first signal.
    const tunnel = tlsConnect(
      { host, port: Number(port), ca: alice.caPem, cert: alice.certPem, key: alice.keyPem, servername: 'localhost' },
      () => tunnel.write(`CONNECT ${server.address} HTTP/1.1\r\nHost: ${server.address}\r\n\r\n`),
    );
    tunnel.on('error', () => undefined);
    await new Promise<void>((resolve) => tunnel.once('data', (d) => String(d).startsWith('HTTP/1.1 200') && resolve()));
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      own.child.once('exit', (code, signal) => resolve([code, signal])),
    );
    own.child.kill('SIGTERM');
    await eventually(() => logLines(own.logs()).find((l) => l.msg === 'shutting down' && l.tunnels === 1), 'the proxy draining its tunnel');
    own.child.kill('SIGTERM');
    const [code, signal] = await exited;
    tunnel.destroy();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it('refuses to start with a private key other users can read, naming the file and the fix (the same check as serve)', async () => {
    const key = pki.keyFile('proxy');
    chmodSync(key, 0o644);
    try {
      const result = await runCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', POLICY], { timeoutMs: 15_000 });
      expect(result.stdout).not.toContain('listening on');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `${key}: the proxy private key is accessible to every user on this machine (mode 0644); refusing to use it`,
      );
      expect(result.stderr).toContain(`fix: chmod 600 ${key}, and replace the key (certrpc cert renew) if others may have copied it`);
    } finally {
      chmodSync(key, 0o600);
    }
  });
});
