// A running server's TLS material swapped for something broken: a certificate that does not
// parse, a key of another certificate, a key that does not parse, a trust bundle that holds no
// CA or nothing at all. Each change is refused with one log line naming the problem, the last
// good material stays in force (new connections get the old certificate and the old trust), and
// a good change afterwards is applied. Also: a client that does not negotiate HTTP/2 is refused.
import { status } from '@grpc/grpc-js';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { echoService } from '../../src/demo/echo-service';
import { keyValueService } from '../../src/demo/kv-service';
import { ReloadResult } from '../../src/store/file-reloader';
import { createServerFromFiles, ServerFromFiles } from '../../src/server/server-from-files';
import { PkiDir } from '../../src/store/pki-dir';
import { probeTls } from '../../src/tls/probe';
import { demoClients, grpcError } from '../helpers/calls';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki, issue, otherCa } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { runLogger } from '../helpers/test-run';

describe('broken TLS material swapped in at runtime: refused, last good kept', () => {
  const tmp = tempDir();
  const log = runLogger('runtime-material');
  let pki: PkiDir;
  let running: ServerFromFiles;
  let address: string;
  const good: Record<string, string> = {};
  /** Read once: the client's view must not follow the server's files being broken. */
  let alice: ReturnType<typeof clientTls>;
  /** A client certificate from a CA the server never trusted. */
  let eve: ReturnType<typeof clientTls>;

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    await issue(pki, 'server-next', { profile: 'server', commonName: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
    const other = await otherCa(join(tmp.dir, 'other'));
    await issue(other, 'eve');
    eve = { ...clientTls(other, 'eve'), caPem: readFileSync(pki.caCertFile, 'utf8') };
    running = await createServerFromFiles({
      files: { certFile: pki.certFile('server'), keyFile: pki.keyFile('server'), caFiles: [pki.caCertFile] },
      services: [keyValueService(), echoService()],
      logger: log.logger,
      reload: { debounceMs: 20, settleMs: 100, intervalMs: 200 },
    });
    await running.server.listen('127.0.0.1', 0);
    address = `127.0.0.1:${running.server.listening!.port}`;
    for (const f of [pki.certFile('server'), pki.keyFile('server'), pki.caCertFile]) good[f] = readFileSync(f, 'utf8');
    alice = clientTls(pki, 'alice');
  });
  afterAll(async () => {
    await running.server.shutdown(1000);
    tmp.cleanup();
  });

  const serverSerialSeen = async () => {
    const probe = await probeTls(address, alice, { authority: 'localhost' });
    if (!probe.ok) throw new Error(`alice's handshake failed: ${probe.failure.reason}`);
    return probe.serverCertificate.serialNumber.toLowerCase().replace(/^0+/, '');
  };
  const aliceStillServed = async () => {
    const client = demoClients(address, alice, 'localhost');
    try {
      expect((await client.whoAmI()).commonName).toBe('alice');
    } finally {
      client.close();
    }
  };
  /** Writes content over file and resolves with the reloader's verdict (after its one retry). */
  const swap = async (file: string, content: string): Promise<ReloadResult> => {
    const verdict = running.tls.nextReload();
    writeFileSync(file, content);
    return verdict;
  };
  const refusedLines = () => logLines(log.text()).filter((l) => l.event === 'reload_refused');

  const cases: [string, () => string, () => string, RegExp][] = [
    [
      'a certificate that does not parse',
      () => pki.certFile('server'),
      () => '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n',
      /server\.crt: certificate #1 is corrupt/,
    ],
    [
      'the key of another certificate',
      () => pki.keyFile('server'),
      () => readFileSync(pki.keyFile('server-next'), 'utf8'),
      /server\.key: the private key does not belong to the certificate/,
    ],
    [
      'a key that does not parse',
      () => pki.keyFile('server'),
      () => '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n',
      /server\.key: not a readable private key/,
    ],
    [
      'a trust bundle holding a leaf certificate, no CA',
      () => pki.caCertFile,
      () => readFileSync(pki.certFile('alice'), 'utf8'),
      /ca\.crt: "CN=alice" is not a CA certificate/,
    ],
    ['an empty trust bundle', () => pki.caCertFile, () => '', /ca\.crt: no PEM certificate found/],
  ];

  it.each(cases)(
    'refuses %s, logs it once, and keeps serving new connections with the last good material',
    async (_what, file, content, names) => {
      const serial = await serverSerialSeen();
      const version = running.tls.version;
      const before = refusedLines().length;

      const verdict = await swap(file(), content());
      expect(verdict).toMatchObject({ ok: false, version });
      expect(verdict.error).toMatch(names);
      const lines = refusedLines().slice(before);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 50, what: 'TLS material', version });
      expect(String(lines[0].msg)).toMatch(/change refused; the last good one stays in force/);

      // New connections: the same certificate, and alice (trusted by the old bundle) is still let in.
      expect(await serverSerialSeen()).toBe(serial);
      await aliceStillServed();
      // A client of another CA is still refused: the trust in force is the old bundle, not "anything".
      const stranger = demoClients(address, eve, 'localhost');
      expect((await grpcError(stranger.whoAmI())).code).toBe(status.UNAVAILABLE);
      stranger.close();

      // Restored: accepted again (the content changed back), nothing else refused.
      expect(await swap(file(), good[file()])).toMatchObject({ ok: true, version: version + 1 });
      expect(refusedLines().slice(before)).toHaveLength(1);
    },
  );

  it('applies a good change after the refused ones: new connections get the new certificate', async () => {
    const verdict = running.tls.nextReload();
    copyFileSync(pki.keyFile('server-next'), pki.keyFile('server'));
    copyFileSync(pki.certFile('server-next'), pki.certFile('server'));
    expect(await verdict).toMatchObject({ ok: true });
    expect(running.tls.current.material.certPem).toBe(readFileSync(pki.certFile('server-next'), 'utf8'));
    expect(await serverSerialSeen()).toBe(running.tls.current.certificate.serial);
    await aliceStillServed();
  });

  /** A TLS connection with alice's certificate and the given ALPN offer; what it saw until closed. */
  const connectWithAlpn = (alpn: string[] | undefined) =>
    new Promise<{ secure: boolean; received: number; error?: string }>((resolve) => {
      const outcome: { secure: boolean; received: number; error?: string } = { secure: false, received: 0 };
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: running.server.listening!.port,
        servername: 'localhost',
        ca: alice.caPem,
        cert: alice.certPem,
        key: alice.keyPem,
        ...(alpn ? { ALPNProtocols: alpn } : {}),
      });
      socket.on('secureConnect', () => {
        outcome.secure = true;
        socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
      });
      socket.on('data', (d: Buffer) => (outcome.received += d.length));
      socket.on('error', (err) => (outcome.error = err.message));
      socket.on('close', () => resolve(outcome));
    });
  const refusalsWith = (code: string) => logLines(log.text()).filter((l) => l.event === 'handshake_refused' && l.code === code);

  it('refuses a client that does not negotiate HTTP/2 (no ALPN): the handshake completes, then it is closed unanswered', async () => {
    const before = refusalsWith('NO_ALPN_H2').length;
    expect(await connectWithAlpn(undefined)).toEqual({ secure: true, received: 0 });
    const refusal = await eventually(() => refusalsWith('NO_ALPN_H2')[before], 'the NO_ALPN_H2 refusal in the log');
    expect(refusal).toMatchObject({
      reason: 'the client did not negotiate HTTP/2 (ALPN h2), so it is not a gRPC client',
      subject: 'CN=alice',
    });
  });

  it('refuses a client that offers only other protocols (ALPN http/1.1) in the handshake, and says so in words', async () => {
    const before = refusalsWith('ERR_SSL_NO_APPLICATION_PROTOCOL').length;
    const outcome = await connectWithAlpn(['http/1.1']);
    expect(outcome.secure).toBe(false);
    expect(outcome.error).toMatch(/no application protocol/);
    const refusal = await eventually(() => refusalsWith('ERR_SSL_NO_APPLICATION_PROTOCOL')[before], 'the refusal in the log');
    expect(refusal.reason).toBe('the client offered no protocol (ALPN) this server speaks: a gRPC server needs h2, the proxy http/1.1');
  });
});
