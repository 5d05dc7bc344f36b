// Issue 12.13: what a peer may hold before it proves who it is. Against a real `certrpc serve`:
// idle TCP sockets and slow drips must not keep connection slots, and one address may not hold
// every handshake slot (a per-address cap), while clients from other addresses keep being served.
import { connect as netConnect, createServer as createTcpServer, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { eventuallyAsync } from '../helpers/eventually';
import { startOpsServer, OpsServer } from '../helpers/ops-server';
import { tempDir } from '../helpers/temp-dir';

describe('handshake guard (pre-TLS limits)', () => {
  const tmp = tempDir();
  let ops: OpsServer;
  const refused = (reason: string) => ops.metric('certrpc_handshakes_refused_total', { reason });

  beforeAll(async () => {
    ops = await startOpsServer(tmp.dir, [
      ...['--limit', 'maxHandshakesPerAddress=3', '--limit', 'helloTimeoutMs=1s', '--limit', 'handshakeTimeoutMs=3s'],
      ...['--shutdown-grace', '1s'],
    ]);
  });
  afterEach(async () => {
    await ops.stillServes();
    expect(ops.crashLines()).toEqual([]);
  });
  afterAll(async () => {
    expect(await ops.server.stop()).toBe(0);
    tmp.cleanup();
  });

  /** A TCP connection from localAddress; resolves once connected. */
  function open(localAddress: string): Promise<Socket & { ended: Promise<void> }> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ port: ops.server.port, host: '127.0.0.1', localAddress }) as Socket & { ended: Promise<void> };
      socket.ended = new Promise((r) => socket.on('close', () => r()));
      socket.on('error', () => undefined);
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  it('drops a connection that sends nothing (helloTimeoutMs), and names it', async () => {
    const before = await refused('ERR_TLS_HELLO_TIMEOUT');
    const idle = await open('127.0.0.1');
    await idle.ended;
    expect(await refused('ERR_TLS_HELLO_TIMEOUT')).toBe(before + 1);
    expect(ops.server.logs()).toMatch(
      /refused handshake from 127\.0\.0\.1:\d+: the client connected but sent nothing \(limit helloTimeoutMs\)/,
    );
  });

  it('drops a peer that drips its ClientHello byte by byte once handshakeTimeoutMs has passed since it connected', async () => {
    // Node's own handshakeTimeout is an idle timer: each byte resets it, so a drip would hold the slot forever.
    const before = await refused('ERR_TLS_HANDSHAKE_TIMEOUT');
    const drip = await open('127.0.0.1');
    // A record header announcing a 512-byte ClientHello, then one byte of it every 200 ms.
    const bytes = [0x16, 0x03, 0x01, 0x02, 0x00, ...Array.from({ length: 512 }, () => 0x01)];
    let sent = 0;
    const timer = setInterval(() => !drip.destroyed && sent < bytes.length && drip.write(Buffer.from([bytes[sent++]])), 200);
    await drip.ended;
    clearInterval(timer);
    expect(sent).toBeLessThan(bytes.length); // closed by the server mid-drip, not by running out of bytes
    expect(await refused('ERR_TLS_HANDSHAKE_TIMEOUT')).toBe(before + 1);
  });

  it('refuses a 4th handshake in progress from one address at once, while other addresses are served', async () => {
    const before = await refused('TOO_MANY_HANDSHAKES_FROM_ADDRESS');
    // Three connections from 127.0.0.2 that started a handshake (one byte each, so no hello timeout).
    const held = await Promise.all([1, 2, 3].map(() => open('127.0.0.2')));
    for (const s of held) s.write(Buffer.from([0x16]));
    // The server accepts in arrival order: the 4th is counted after the three, whenever it reads their bytes.
    const fourth = await open('127.0.0.2');
    await fourth.ended;
    expect(held.every((s) => !s.destroyed)).toBe(true);
    expect(await refused('TOO_MANY_HANDSHAKES_FROM_ADDRESS')).toBe(before + 1);
    expect(ops.server.logs()).toMatch(/refused handshake from 127\.0\.0\.2:\d+: this address already has as many handshakes in progress/);
    // Another address still gets in while 127.0.0.2's slots are taken (afterEach: alice from 127.0.0.1).
    await ops.stillServes();
    for (const s of held) s.destroy();
    await Promise.all(held.map((s) => s.ended));
  });

  it('names the peer of a handshake cut short by a reset (the socket no longer knows its address)', async () => {
    const before = await refused('ECONNRESET');
    const reset = await open('127.0.0.1');
    const port = reset.localPort;
    // A real ClientHello; the server's answer to it proves the handshake is under way on its side.
    const answered = new Promise((r) => reset.once('data', r));
    reset.write(await clientHello());
    await answered;
    reset.resetAndDestroy();
    await eventuallyAsync(async () => (await refused('ECONNRESET')) > before, 'the reset to be counted');
    expect(await refused('ECONNRESET')).toBe(before + 1);
    expect(ops.server.logs()).toContain(`refused handshake from 127.0.0.1:${port}: the client closed the connection during the handshake`);
    expect(ops.server.logs()).not.toMatch(/unknown:0/);
  });
});

/** The first flight of a Node TLS client (ALPN h2), captured by a TCP listener that answers nothing. */
function clientHello(): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const listener = createTcpServer((s) =>
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        listener.close();
      }),
    );
    listener.listen(0, '127.0.0.1', () => {
      const tls = tlsConnect({
        port: (listener.address() as { port: number }).port,
        host: '127.0.0.1',
        servername: 'localhost',
        ALPNProtocols: ['h2'],
      });
      tls.on('error', () => undefined);
    });
    listener.on('error', reject);
  });
}
