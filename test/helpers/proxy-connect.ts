// Raw CONNECT requests over mutual TLS, for proxy tests that need the exact request-target a client
// sends (spellings no library client would write) and the open tunnel socket afterwards; and TCP
// echo targets on loopback that count who reached them.
import { createServer, Server, Socket } from 'node:net';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import type { ClientTlsMaterial } from '../../src/tls/client-credentials';

export interface ConnectAnswer {
  status: number;
  /** The status line and headers as received. */
  head: string;
  /** The body of a refusal (the proxy's reason), empty for 200. */
  body: string;
  /** After 200: the tunnel. */
  socket: TLSSocket;
  /** Resolves when the tunnel (or refused connection) is closed. */
  closed: Promise<void>;
}

/** Sends `CONNECT target HTTP/1.1` to the proxy at "host:port" (or "[v6]:port") as the given identity and reads the answer. */
export function rawConnect(proxyAddress: string, tls: ClientTlsMaterial, target: string): Promise<ConnectAnswer> {
  const colon = proxyAddress.lastIndexOf(':');
  const [host, port] = [proxyAddress.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), Number(proxyAddress.slice(colon + 1))];
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(
      { host, port, ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, servername: 'localhost', ALPNProtocols: ['http/1.1'] },
      () => socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`),
    );
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    let received = Buffer.alloc(0);
    let answered = false;
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0 || answered) return;
      const head = received.subarray(0, end).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1] ?? 0);
      if (status === 200) {
        answered = true;
        socket.off('data', onData);
        return resolve({ status, head, body: '', socket, closed });
      }
      // A refusal: the proxy closes after the body; read it whole.
      socket.once('end', () => {
        answered = true;
        resolve({
          status,
          head,
          body: received
            .subarray(end + 4)
            .toString('utf8')
            .trim(),
          socket,
          closed,
        });
      });
    };
    socket.on('data', onData);
    socket.once('error', (err) => (answered ? undefined : reject(err)));
    socket.once('close', () =>
      answered ? undefined : reject(new Error(`the proxy closed without answering CONNECT ${target}: ${received.toString('latin1')}`)),
    );
  });
}

/** Writes text into an open tunnel and resolves with what the echo target sends back. */
export function echoThrough(socket: Socket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer) => {
      got += d.toString('utf8');
      if (got.length >= text.length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(text);
  });
}

export interface EchoTarget {
  server: Server;
  host: string;
  port: number;
  /** How many connections reached it. */
  connections: () => number;
  close: () => Promise<void>;
}

/** A TCP echo server on host (a loopback address), port 0. */
export async function echoTarget(host: string): Promise<EchoTarget> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    count++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
    s.pipe(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  return {
    server,
    host,
    port: typeof address === 'object' && address ? address.port : 0,
    connections: () => count,
    close: () =>
      new Promise((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
