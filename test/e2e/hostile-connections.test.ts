// Issue 9 acceptance: hostile or broken peers at the connection level. Each case runs against
// a real `certrpc serve` (small limits: 1 s handshake timeout, 20 connections), which must refuse
// it, count it in /metrics by reason, and keep answering a valid client without crashing.
import { randomBytes } from 'node:crypto';
import { connect as netConnect, Socket } from 'node:net';
import { connect as tlsConnect, createSecureContext, TLSSocket } from 'node:tls';
import { connect as h2Connect, constants } from 'node:http2';
import { demoClients, grpcError } from '../helpers/calls';
import { eventuallyAsync } from '../helpers/eventually';
import { issue } from '../helpers/pki';
import { startOpsServer, OpsServer, status } from '../helpers/ops-server';
import { tempDir } from '../helpers/temp-dir';

const DAY = 86_400_000;

describe('hostile connections', () => {
  const tmp = tempDir();
  let ops: OpsServer;
  const refused = (reason: string) => ops.metric('certrpc_handshakes_refused_total', { reason });

  beforeAll(async () => {
    ops = await startOpsServer(tmp.dir, [
      '--limit',
      'handshakeTimeoutMs=1s',
      '--limit',
      'maxConnections=20',
      '--limit',
      'minClientPingIntervalMs=1s',
      '--shutdown-grace',
      '1s',
    ]);
    const now = Date.now();
    await issue(ops.pki, 'expired', { validity: { notBefore: new Date(now - 10 * DAY), notAfter: new Date(now - DAY) } });
    await issue(ops.pki, 'future', { validity: { notBefore: new Date(now + DAY), notAfter: new Date(now + 10 * DAY) } });
  });
  afterEach(async () => {
    await ops.stillServes();
    expect(ops.crashLines()).toEqual([]);
  });
  afterAll(async () => {
    expect(await ops.server.stop()).toBe(0);
    tmp.cleanup();
  });

  /** Connects, writes bytes, resolves when the server closes the connection. */
  function rawSocket(bytes: Buffer | string): Promise<void> {
    return new Promise((resolve) => {
      const socket: Socket = netConnect(ops.server.port, '127.0.0.1', () => socket.write(bytes));
      socket.on('error', () => undefined);
      socket.on('data', () => undefined);
      socket.on('close', () => resolve());
    });
  }

  it('closes a connection that sends random bytes', async () => {
    const before = await ops.metric('certrpc_handshakes_refused_total');
    await rawSocket(randomBytes(4096));
    // Counted once, whatever the bytes looked like (garbage, or the start of a record that then stalls).
    expect(await ops.metric('certrpc_handshakes_refused_total')).toBe(before + 1);
  });

  it('closes a connection that speaks plain HTTP to the TLS port, and says why', async () => {
    const before = await refused('ERR_SSL_HTTP_REQUEST');
    await rawSocket('GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(await refused('ERR_SSL_HTTP_REQUEST')).toBe(before + 1);
    expect(ops.server.logs()).toMatch(/the client spoke plain HTTP to the TLS port/);
  });

  it('drops a client that stalls mid-handshake once the handshake timeout passes', async () => {
    const before = await refused('ERR_TLS_HANDSHAKE_TIMEOUT');
    // A TLS record header announcing a 512-byte ClientHello, then 4 bytes of it, then nothing.
    await rawSocket(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc]));
    expect(await refused('ERR_TLS_HANDSHAKE_TIMEOUT')).toBe(before + 1);
  });

  it('refuses connections beyond maxConnections cleanly when 500 arrive at once', async () => {
    const before = await refused('TOO_MANY_CONNECTIONS');
    const tls = ops.tls('alice');
    const secureContext = createSecureContext({ ca: tls.caPem, cert: tls.certPem, key: tls.keyPem });
    const sockets: TLSSocket[] = [];
    const outcomes = await Promise.all(
      Array.from(
        { length: 500 },
        () =>
          new Promise<'connected' | 'refused'>((resolve) => {
            const socket = tlsConnect({
              port: ops.server.port,
              host: '127.0.0.1',
              servername: 'localhost',
              secureContext,
              ALPNProtocols: ['h2'],
            });
            sockets.push(socket);
            socket.on('secureConnect', () => resolve('connected'));
            socket.on('error', () => resolve('refused'));
            socket.on('close', () => resolve('refused'));
          }),
      ),
    );
    const connected = outcomes.filter((o) => o === 'connected').length;
    const tooMany = (await refused('TOO_MANY_CONNECTIONS')) - before;
    for (const s of sockets) s.destroy();
    expect(connected).toBeGreaterThan(0);
    expect(connected).toBeLessThanOrEqual(20);
    // Every connection the cap turned away was counted as such; the rest of the 500 connected or timed out.
    expect(tooMany).toBeGreaterThanOrEqual(500 - 20 - (await refused('ERR_TLS_HANDSHAKE_TIMEOUT')));
    expect(ops.server.logs()).toMatch(/TOO_MANY_CONNECTIONS/);
    // Wait for the server to see the 500 go before the next client connects.
    await eventuallyAsync(async () => (await ops.metric('certrpc_open_connections')) <= 1, 'the server to see the 500 connections closed');
  });

  async function refusedClient(name: string): Promise<string> {
    const client = demoClients(ops.address, ops.tls(name));
    const err = await grpcError(client.whoAmI());
    client.close();
    expect(err.code).toBe(status.UNAVAILABLE);
    return err.details;
  }

  it('refuses a server certificate used as a client certificate (wrong extended key usage)', async () => {
    const before = await refused('INVALID_PURPOSE');
    await refusedClient('server');
    expect(await refused('INVALID_PURPOSE')).toBeGreaterThan(before);
    expect(ops.server.logs()).toMatch(/not for client authentication \(wrong extended key usage\)/);
  });

  it('refuses an expired client certificate', async () => {
    const before = await refused('CERT_HAS_EXPIRED');
    await refusedClient('expired');
    expect(await refused('CERT_HAS_EXPIRED')).toBeGreaterThan(before);
  });

  it('refuses a client certificate that is not valid yet', async () => {
    const before = await refused('CERT_NOT_YET_VALID');
    await refusedClient('future');
    expect(await refused('CERT_NOT_YET_VALID')).toBeGreaterThan(before);
  });

  it('sends GOAWAY too_many_pings to a client that pings in a loop', async () => {
    const before = await ops.metric('certrpc_ping_policy_violations_total');
    const tls = ops.tls('alice');
    const session = h2Connect(`https://${ops.address}`, { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, servername: 'localhost' });
    session.on('error', () => undefined);
    const goaway = new Promise<{ code: number; data: string }>((resolve) =>
      session.on('goaway', (code, _last, data) => resolve({ code, data: data?.toString() ?? '' })),
    );
    await new Promise((r) => session.on('connect', r));
    for (let i = 0; i < 10; i++) session.ping(() => undefined);
    expect(await goaway).toEqual({ code: constants.NGHTTP2_ENHANCE_YOUR_CALM, data: 'too_many_pings' });
    session.destroy();
    expect(await ops.metric('certrpc_ping_policy_violations_total')).toBe(before + 1);
  });
});
