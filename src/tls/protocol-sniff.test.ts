import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { createServer as createH2cServer } from 'node:http2';
import { createServer as createTcpServer, Server, Socket } from 'node:net';
import { classify, printableBytes, sniffProtocol } from './protocol-sniff';

const settings = (length = 0) => Buffer.from([0, 0, length, 4, 0, 0, 0, 0, 0, ...Buffer.alloc(length)]);
/** An HTTP/2 frame header: 24-bit length, type, flags, 31-bit stream id. */
const frame = (length: number, type: number, flags: number, stream = 0) =>
  Buffer.from([
    0,
    0,
    length,
    type,
    flags,
    stream >>> 24,
    (stream >>> 16) & 0xff,
    (stream >>> 8) & 0xff,
    stream & 0xff,
    ...Buffer.alloc(length),
  ]);

describe('what a port answered to an HTTP/2 preface', () => {
  it('tells plaintext HTTP/2, HTTP/1, TLS and anything else apart', () => {
    expect(classify(settings(), true)).toEqual({ kind: 'plaintext-http2' });
    expect(classify(Buffer.concat([settings(6), Buffer.from([0, 0, 0, 4, 1, 0, 0, 0, 0])]), false)).toEqual({ kind: 'plaintext-http2' });
    expect(classify(Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'), false)).toEqual({
      kind: 'http1',
      statusLine: 'HTTP/1.1 400 Bad Request',
    });
    expect(classify(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]), false)).toEqual({ kind: 'tls' });
    expect(classify(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'), false)).toEqual({ kind: 'other', firstBytes: 'SSH-2.0-OpenSSH_9.2\\r\\n' });
    expect(classify(Buffer.alloc(0), true)).toEqual({ kind: 'nothing' });
  });

  it('a TLS record is content type 20-23 (change cipher spec, alert, handshake, data) then version 3.x, nothing else', () => {
    for (const type of [20, 21, 22, 23]) expect(classify(Buffer.from([type, 3, 3, 0, 2]), false)).toEqual({ kind: 'tls' });
    expect(classify(Buffer.from([0x16, 0x03]), false)).toEqual({ kind: 'tls' });
    expect(classify(Buffer.from([19, 3, 3, 0, 2]), true)).toEqual({ kind: 'other', firstBytes: '\\x13\\x03\\x03\\x00\\x02' });
    expect(classify(Buffer.from([24, 3, 3, 0, 2]), true)).toEqual({ kind: 'other', firstBytes: '\\x18\\x03\\x03\\x00\\x02' });
    expect(classify(Buffer.from([0x30, 3, 3, 0, 2]), true)).toEqual({ kind: 'other', firstBytes: '0\\x03\\x03\\x00\\x02' });
    expect(classify(Buffer.from([0x16, 0x02, 0x00]), true)).toEqual({ kind: 'other', firstBytes: '\\x16\\x02\\x00' });
  });

  it("an HTTP/2 server's first frame is SETTINGS (no flags but ACK) on stream 0, its length a multiple of 6", () => {
    expect(classify(settings(), false)).toEqual({ kind: 'plaintext-http2' });
    expect(classify(frame(0, 4, 1), false)).toEqual({ kind: 'plaintext-http2' });
    expect(classify(frame(12, 4, 0), false)).toEqual({ kind: 'plaintext-http2' });
    expect(classify(frame(12, 7, 0), false)).toEqual({ kind: 'other', firstBytes: '\\x00\\x00\\x0c\\x07' + '\\x00'.repeat(17) }); // GOAWAY
    expect(classify(frame(0, 4, 2), false)).toEqual({ kind: 'other', firstBytes: '\\x00\\x00\\x00\\x04\\x02' + '\\x00'.repeat(4) });
    expect(classify(frame(0, 4, 0, 1), false)).toEqual({ kind: 'other', firstBytes: '\\x00\\x00\\x00\\x04' + '\\x00'.repeat(4) + '\\x01' });
    expect(classify(frame(5, 4, 0), false)).toEqual({ kind: 'other', firstBytes: '\\x00\\x00\\x05\\x04' + '\\x00'.repeat(10) });
  });

  it('waits for more bytes while they could still change the answer, and decides at the end', () => {
    expect(classify(Buffer.alloc(0), false)).toBeUndefined();
    expect(classify(Buffer.from('HTT'), false)).toBeUndefined();
    expect(classify(Buffer.from('HTTP/1.1 200'), false)).toBeUndefined();
    expect(classify(Buffer.from('HTTP/1.1 200'), true)).toEqual({ kind: 'http1', statusLine: 'HTTP/1.1 200' });
    expect(classify(Buffer.from([0, 0, 0, 4]), false)).toBeUndefined();
    expect(classify(Buffer.from([0, 0, 0, 4]), true)).toEqual({ kind: 'other', firstBytes: '\\x00\\x00\\x00\\x04' });
    expect(classify(Buffer.from([0x16]), false)).toBeUndefined();
    // Short, but no HTTP/2 frame header (first byte not 0) and no HTTP/TLS prefix: decided now.
    expect(classify(Buffer.from('SSH-2.0'), false)).toEqual({ kind: 'other', firstBytes: 'SSH-2.0' });
    // 64 bytes without a line end is all that is ever read: the status line is what there is.
    const long = Buffer.from(`HTTP/1.1 200 ${'x'.repeat(51)}`);
    expect(classify(long, false)).toEqual({ kind: 'http1', statusLine: `${long.toString('latin1', 0, 40)}...` });
  });

  it("quotes the peer's bytes safely: escapes, no control characters, cut short", () => {
    expect(printableBytes(Buffer.from('a"b\\c\x1b[31m\x00é'))).toBe('a\\"b\\\\c\\x1b[31m\\x00\\xc3\\xa9');
    expect(printableBytes(Buffer.from(' ~\x7f\x1f'))).toBe(' ~\\x7f\\x1f');
    expect(printableBytes(Buffer.from('x'.repeat(50)), 40)).toBe(`${'x'.repeat(40)}...`);
    expect(printableBytes(Buffer.from('x'.repeat(40)), 40)).toBe('x'.repeat(40));
  });
});

describe('sniffProtocol against real peers on 127.0.0.1', () => {
  const servers: (Server | HttpServer)[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  /** A TCP peer on 127.0.0.1:0 that runs onConnection for each client; its dial target. */
  async function peer(onConnection: (socket: Socket) => void, server: Server | HttpServer = createTcpServer()) {
    server.on('connection', (s: Socket) => {
      sockets.push(s);
      onConnection(s);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { kind: 'tcp' as const, host: '127.0.0.1', port: (server.address() as { port: number }).port };
  }

  it("sends exactly the HTTP/2 client preface and an empty SETTINGS frame, and knows an h2c server's answer", async () => {
    let heard: Buffer | undefined;
    const target = await peer((s) => {
      let got = Buffer.alloc(0);
      s.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        // Answers only once a whole preface and SETTINGS frame came in, as an h2c server would.
        if (got.length >= 33 && !heard) {
          heard = got;
          s.write(settings(6));
        }
      });
    });
    expect(await sniffProtocol(target, 30_000)).toEqual({ kind: 'plaintext-http2' });
    expect(heard?.toString('latin1')).toBe('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00');
  });

  it("knows Node's own h2c and HTTP/1 servers", async () => {
    expect(await sniffProtocol(await peer(() => undefined, createH2cServer() as unknown as Server), 30_000)).toEqual({
      kind: 'plaintext-http2',
    });
    const http1 = await sniffProtocol(await peer(() => undefined, createHttpServer()), 30_000);
    expect(http1).toEqual({ kind: 'http1', statusLine: 'HTTP/1.1 400 Bad Request' });
  });

  it('reads a status line that arrives in two TCP segments whole', async () => {
    const target = await peer((s) => {
      s.once('data', () => {
        s.write('HTTP/1.1 400 Bad');
        setTimeout(() => s.write(' Request\r\n'), 100);
      });
    });
    expect(await sniffProtocol(target, 30_000)).toEqual({ kind: 'http1', statusLine: 'HTTP/1.1 400 Bad Request' });
  });

  it('a peer that says nothing: "nothing" when the timeout ends', async () => {
    const target = await peer(() => undefined);
    expect(await sniffProtocol(target, 200)).toEqual({ kind: 'nothing' });
  });

  it('a peer that closes decides at once on what it sent, not at the timeout', async () => {
    const closing = await peer((s) => s.end());
    expect(await sniffProtocol(closing, 600_000)).toEqual({ kind: 'nothing' });
    const partial = await peer((s) => s.end('HTT'));
    expect(await sniffProtocol(partial, 600_000)).toEqual({ kind: 'other', firstBytes: 'HTT' });
  }, 20_000);

  it('nothing listening: "nothing", never a rejection', async () => {
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    expect(await sniffProtocol({ kind: 'tcp', host: '127.0.0.1', port }, 600_000)).toEqual({ kind: 'nothing' });
  }, 20_000);
});
