// Issue 15, item 5: call, list and describe give the same diagnosis as doctor when a connection
// fails, and suggest doctor. Real peers: a revoked client certificate (`certrpc serve` enforcing
// DIR/crl.pem), a plain HTTP/1 server (node:http), a plaintext gRPC server (grpc-js, insecure
// credentials: h2c), a TCP server that answers with an SSH-like banner, and a port nobody listens on.
import { Server as GrpcServer, ServerCredentials } from '@grpc/grpc-js';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { AddressInfo, createServer as createTcpServer, Server as TcpServer } from 'node:net';
import { join } from 'node:path';
import { runCli, RunningServer, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(180_000);

function listening(server: HttpServer | TcpServer): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

/** A port nothing listens on: bound once by us, then closed. */
async function closedPort(): Promise<string> {
  const s = createTcpServer();
  const address = await listening(s);
  await new Promise((resolve) => s.close(resolve));
  return address;
}

describe('call, list and describe say what doctor says when the connection fails', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let enforcing: RunningServer;
  let proxy: RunningServer;
  let http1: HttpServer;
  let h2c: GrpcServer;
  let banner: TcpServer;
  const peers: Record<string, string> = {};
  const certrpc = (args: string[]) => runCli(args, { env: { CERTRPC_DIR: dir }, timeoutMs: 60_000 });

  beforeAll(async () => {
    await demoPki(dir);
    expect((await certrpc(['cert', 'revoke', 'bob', '--reason', 'keyCompromise'])).code).toBe(0);
    enforcing = await startCli(['serve', '--demo', '--port', '0', '--dir', dir, '--log-level', 'warn']);
    peers.revoked = enforcing.address;
    http1 = createHttpServer((_req, res) => res.end('hello'));
    peers.http1 = await listening(http1);
    h2c = new GrpcServer();
    const port = await new Promise<number>((resolve, reject) =>
      h2c.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    peers.h2c = `127.0.0.1:${port}`;
    banner = createTcpServer((socket) => {
      socket.on('error', () => undefined);
      socket.end('SSH-2.0-OpenSSH_9.2p1 certrpc-test\r\n');
    });
    peers.banner = await listening(banner);
    peers.nothing = await closedPort();
    expect((await certrpc(['cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1'])).code).toBe(0);
    proxy = await startCli(
      ['proxy', '--dir', dir, '--name', 'proxy', '--listen', '127.0.0.1:0', '--policy', join(__dirname, '..', '..', 'policy.yaml')],
      { env: { CERTRPC_DIR: dir } },
    );
  });
  afterAll(async () => {
    await proxy?.stop();
    await enforcing?.stop();
    http1?.close();
    banner?.close();
    h2c?.forceShutdown();
    tmp.cleanup();
  });

  /** Doctor's failed step: its title, what it says and the fix. */
  async function doctorSays(address: string, identity: string): Promise<{ step: string; detail: string; fix: string }> {
    const r = await certrpc(['doctor', address, '--identity', identity]);
    expect(r.code).toBe(1);
    const m = /^ {2}FAIL {2}(\S+(?: \S+)*) {2,}(.+)\n +fix: (.+)$/m.exec(r.stdout);
    if (!m) throw new Error(`doctor printed no failed step:\n${r.stdout}`);
    return { step: m[1], detail: m[2], fix: m[3] };
  }

  const CASES: [string, string, string, RegExp][] = [
    [
      'a revoked client certificate',
      'revoked',
      'bob',
      /^the server refused your certificate: it is revoked \(serial [0-9a-f]+ was revoked at \S+ \(keyCompromise\), according to .*crl\.pem\)$/,
    ],
    [
      'a plain HTTP/1 server',
      'http1',
      'alice',
      /^127\.0\.0\.1:\d+ speaks plain HTTP\/1, not TLS: it answered "HTTP\/1\.1 400 Bad Request"/,
    ],
    [
      'a plaintext gRPC server (h2c)',
      'h2c',
      'alice',
      /^127\.0\.0\.1:\d+ speaks plaintext HTTP\/2 \(h2c\), not TLS: a gRPC server without TLS/,
    ],
    [
      'something else (an SSH banner)',
      'banner',
      'alice',
      /^127\.0\.0\.1:\d+ does not speak TLS: it answered "SSH-2\.0-OpenSSH_9\.2p1 certrpc-test\\r\\n"$/,
    ],
    ['nothing listening', 'nothing', 'alice', /^nothing is listening on 127\.0\.0\.1:\d+$/],
  ];

  it.each(CASES)(
    '%s: doctor says so, and call, list and describe say the same, exit 1, and suggest doctor',
    async (_what, peer, identity, expected) => {
      const address = peers[peer];
      const doctor = await doctorSays(address, identity);
      expect(doctor.detail).toMatch(expected);
      for (const args of [
        ['call', address, 'certrpc.v1.Identity/WhoAmI'],
        ['list', address],
        ['describe', address, 'demo.v1.KeyValue'],
      ]) {
        const r = await certrpc([...args, '--identity', identity]);
        expect({ verb: args[0], code: r.code, stdout: r.stdout }).toEqual({ verb: args[0], code: 1, stdout: '' });
        const lines = r.stderr.split('\n');
        expect(lines[0]).toMatch(/^certrpc: (the server refused the connection|wrong protocol|could not connect): /);
        expect(lines[0]).toContain(`: ${doctor.detail} [`);
        expect(lines[1]).toBe(`  fix: ${doctor.fix}`);
        expect(lines[2]).toBe(
          `  run: certrpc doctor ${address} --identity ${identity}   (checks each step: connect, TLS, both certificates, WhoAmI, health)`,
        );
      }
    },
  );

  it('doctor fails at the step where it went wrong: TLS for a port that is not TLS, the client certificate for a revoked one, TCP for nothing', async () => {
    expect((await doctorSays(peers.h2c, 'alice')).step).toBe('TLS handshake');
    expect((await doctorSays(peers.http1, 'alice')).step).toBe('TLS handshake');
    const revoked = await doctorSays(peers.revoked, 'bob');
    expect(revoked.step).toBe('client certificate accepted');
    // The library's fix names no flag; the CLI's names the commands that make a new certificate.
    expect(revoked.fix).toBe(
      'ask for a new certificate (on the CA host: certrpc cert issue NAME --client, or certrpc cert renew NAME); a revoked certificate never works again',
    );
    expect((await doctorSays(peers.nothing, 'alice')).step).toBe('TCP connect');
  });

  it('the doctor line repeats the flags that name the connection, quoted for the shell', async () => {
    const r = await certrpc([
      'call',
      peers.nothing,
      'certrpc.v1.Identity/WhoAmI',
      '--cert',
      join(dir, 'alice.crt'),
      '--key',
      join(dir, 'alice.key'),
      '--authority',
      "it's.example",
      '--connect-timeout',
      '3',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `  run: certrpc doctor ${peers.nothing} --cert ${join(dir, 'alice.crt')} --key ${join(dir, 'alice.key')} --authority 'it'\\''s.example' --connect-timeout 3   (`,
    );
  });

  it('through the CONNECT proxy too: a server behind it that does not speak TLS is said to, not "the handshake failed"', async () => {
    for (const peer of ['h2c', 'http1']) {
      const r = await certrpc([
        'call',
        peers[peer],
        'certrpc.v1.Identity/WhoAmI',
        '--identity',
        'alice',
        '--proxy',
        `https://${proxy.address}`,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        new RegExp(
          `^certrpc: wrong protocol: ${peers[peer].replace(/\./g, '\\.')} does not speak TLS: it answered the TLS handshake with something else \\(wrong version number\\)( \\(through the proxy https://${proxy.address}\\))? \\[NOT_TLS\\]`,
        ),
      );
      expect(r.stderr).toContain(`run: certrpc doctor ${peers[peer]} --identity alice --proxy https://${proxy.address}`);
    }
  });

  it('alice, not revoked, still gets through the same server', async () => {
    const r = await certrpc(['call', peers.revoked, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).commonName).toBe('alice');
  });
});
