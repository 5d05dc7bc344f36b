// probeTls against peers that are not certrpc servers, on 127.0.0.1:0 in this process: a port that
// speaks HTTP/1 (dialed, or through an open connection as a proxy tunnel gives it), one that never
// answers, one whose TLS is broken, TLS servers that refuse with an alert or a reset, and the two
// ways a TLS 1.3 server says yes after the handshake (its first data, or silence until settleMs).
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import tls from 'node:tls';
import { clientTls, demoPki } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { PkiDir } from '../store/pki-dir';
import { probeTls } from './probe';

describe('probeTls: other peers', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const servers: (TcpServer | tls.Server)[] = [];
  const sockets: Socket[] = [];
  let serverIdentity: { cert: string; key: string };
  const alice = () => clientTls(pki, 'alice');

  async function listen(server: TcpServer | tls.Server): Promise<string> {
    servers.push(server);
    server.on('connection', (s: Socket) => {
      s.on('error', () => undefined);
      sockets.push(s);
    });
    if (server instanceof tls.Server) server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  /** A TLS server with the demo server's identity (DNS:localhost); `onSecure` gets each connection. */
  const tlsServer = (options: tls.TlsOptions, onSecure: (s: tls.TLSSocket) => void = () => undefined) =>
    listen(tls.createServer({ ...serverIdentity, ...options }, onSecure));
  /** A TCP server that answers the first bytes it receives with `answer`. */
  const answering = (answer: string | Buffer) => listen(createTcpServer((s) => s.once('data', () => s.end(answer))));
  const opened = (address: string) =>
    new Promise<Socket>((resolve) => {
      const s = tcpConnect(Number(address.split(':')[1]), '127.0.0.1', () => resolve(s));
      sockets.push(s);
    });

  beforeAll(async () => {
    pki = await demoPki(`${tmp.dir}/pki`);
    serverIdentity = { cert: readFileSync(pki.certFile('server'), 'utf8'), key: readFileSync(pki.keyFile('server'), 'utf8') };
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });
  afterAll(() => tmp.cleanup());

  it('a port that speaks HTTP/1: the handshake step, naming what answered instead of TLS', async () => {
    const address = await answering('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
    expect(await probeTls(address, alice())).toEqual({
      ok: false,
      step: 'tls-handshake',
      failure: {
        side: 'protocol',
        code: 'PLAINTEXT_HTTP1',
        reason: `${address} speaks plain HTTP/1, not TLS: it answered "HTTP/1.1 400 Bad Request" (a web server or HTTP API, not a gRPC server)`,
        fix: "check the port: it should be the gRPC server's mutual-TLS port",
      },
    });
  });

  it('over an open connection (a tunnel), a non-TLS answer is reported as it is, without dialing the address again', async () => {
    const address = await answering('HTTP/1.1 400 Bad Request\r\n\r\n');
    expect(await probeTls(address, alice(), { socket: await opened(address) })).toEqual({
      ok: false,
      step: 'tls-handshake',
      failure: {
        side: 'protocol',
        code: 'NOT_TLS',
        reason: `${address} does not speak TLS: it answered the TLS handshake with something else (wrong version number)`,
        fix: 'check the address: something other than a gRPC server listens there',
      },
    });
  });

  it('a peer that never answers: a timeout at the handshake step, dialed or over an open connection', async () => {
    const address = await listen(createTcpServer());
    const timedOut = {
      ok: false,
      step: 'tls-handshake',
      failure: { side: 'network', code: 'ETIMEDOUT', reason: `no answer from ${address} in time`, fix: expect.any(String) },
    };
    expect(await probeTls(address, alice(), { timeoutMs: 300 })).toEqual(timedOut);
    expect(await probeTls(address, alice(), { timeoutMs: 300, socket: await opened(address) })).toEqual(timedOut);
  });

  it('a peer whose answer is a TLS record but no handshake: TLS that failed, not another protocol', async () => {
    // An application-data record before any handshake: OpenSSL fails without an alert, and the
    // second connection (what the port speaks) gets a TLS record back.
    const address = await answering(Buffer.concat([Buffer.from([23, 3, 3, 0, 5]), Buffer.from('hello')]));
    const result = await probeTls(address, alice());
    expect(result).toMatchObject({ ok: false, step: 'tls-handshake', failure: { side: 'server', code: 'closed' } });
    if (!result.ok) expect(result.failure.reason).toMatch(/^the server closed the connection during the handshake: .*SSL routines/);
  });

  it('TLS 1.2: a server that requires a certificate refuses one not sent with an alert, inside the handshake', async () => {
    const address = await tlsServer({ maxVersion: 'TLSv1.2', requestCert: true, rejectUnauthorized: true, ca: alice().caPem });
    const result = await probeTls(address, { caPem: alice().caPem }, { authority: 'localhost' });
    expect(result).toEqual({
      ok: false,
      step: 'client-certificate',
      serverCertificate: undefined,
      failure: {
        side: 'server',
        code: 'handshake failure',
        reason: 'the server requires a client certificate and you sent none',
        fix: 'give the client its identity: tls.certPem and tls.keyPem',
      },
    });
  });

  it('an alert that is not about our certificate stops at the handshake step', async () => {
    const address = await tlsServer({ ALPNProtocols: ['http/1.1'] });
    const result = await probeTls(address, alice(), { authority: 'localhost' });
    expect(result).toMatchObject({
      ok: false,
      step: 'tls-handshake',
      failure: { side: 'server', code: 'no application protocol', fix: 'check the server log for the refused handshake and its reason' },
    });
  });

  it('a reset after the server presented its certificate: the server refused ours', async () => {
    const address = await tlsServer({}, (s) => (s as unknown as { _parent: Socket })._parent.resetAndDestroy());
    const result = await probeTls(address, alice(), { authority: 'localhost', settleMs: 60_000 });
    expect(result).toMatchObject({
      ok: false,
      step: 'client-certificate',
      serverCertificate: { subject: { CN: 'localhost' } },
      failure: {
        side: 'server',
        code: 'closed',
        reason: 'the server closed the connection during the handshake: read ECONNRESET',
        fix: 'check the server log for the refused handshake and its reason',
      },
    });
  });

  it("TLS 1.3: the server's first data is its yes, even when it then closes, without waiting settleMs", async () => {
    const address = await tlsServer({ ALPNProtocols: ['h2'] }, (s) => s.end('settings'));
    // Far longer than timeoutMs: only the data can make this a success.
    const result = await probeTls(address, alice(), { authority: 'localhost', settleMs: 60_000, timeoutMs: 3000 });
    expect(result).toMatchObject({ ok: true, alpn: 'h2', protocol: 'TLSv1.3', serverCertificate: { subject: { CN: 'localhost' } } });
  });

  it('TLS 1.3: a server that stays silent has said yes once settleMs passed', async () => {
    const address = await tlsServer({});
    // settleMs well inside timeoutMs, and timeoutMs shorter than the default settleMs (1000).
    const result = await probeTls(address, alice(), { authority: 'localhost', settleMs: 100, timeoutMs: 900 });
    expect(result).toMatchObject({ ok: true, alpn: false, protocol: 'TLSv1.3' });
  });
});
