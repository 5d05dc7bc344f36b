// A gRPC unary call spoken directly over Node's tls + http2, without grpc-js: the only client here
// that can offer a saved TLS session (grpc-js clients never resume), and the cheapest way to hold
// a thousand real gRPC connections open from one process.
import { ClientHttp2Session, connect as h2connect } from 'node:http2';
import { connect as tlsConnect, TLSSocket } from 'node:tls';
import { SayRequest } from '../../src/gen/demo/v1/echo';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';

export interface RawConnection {
  socket: TLSSocket;
  session: ClientHttp2Session;
  resumed: boolean;
  close(): void;
}

/** Opens an mTLS connection (offering `session` for resumption) and an HTTP/2 session over it. */
export function openRawConnection(
  host: string,
  port: number,
  tls: ClientTlsMaterial,
  options: { session?: Buffer; onSession?: (session: Buffer) => void } = {},
): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({
      host,
      port,
      ca: tls.caPem,
      cert: tls.certPem,
      key: tls.keyPem,
      ALPNProtocols: ['h2'],
      session: options.session,
    });
    if (options.onSession) socket.on('session', options.onSession);
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const session = h2connect(`https://${host}:${port}`, { createConnection: () => socket });
      session.on('error', () => undefined); // a reset connection shows up as the call's failure
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve({
        socket,
        session,
        resumed: socket.isSessionReused(),
        close: () => {
          session.close();
          socket.destroy();
        },
      });
    });
  });
}

/** One demo.v1.Echo/Say call on an HTTP/2 session; resolves with the grpc-status it ended with. */
export function rawSay(session: ClientHttp2Session, message: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = SayRequest.encode({ message }).finish();
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    const stream = session.request({ ':method': 'POST', ':path': '/demo.v1.Echo/Say', 'content-type': 'application/grpc', te: 'trailers' });
    let status: number | undefined;
    const read = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) status = Number(headers['grpc-status']);
    };
    stream.on('response', read); // a trailers-only answer (an error) carries grpc-status here
    stream.on('trailers', read);
    stream.on('data', () => undefined);
    stream.on('error', reject);
    stream.on('close', () =>
      status === undefined ? reject(new Error(`stream closed without grpc-status (rst code ${stream.rstCode})`)) : resolve(status),
    );
    stream.end(frame);
  });
}
