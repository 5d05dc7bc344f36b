// A gRPC call written by hand over node:http2 with a real client certificate: for bodies and
// headers no well-behaved gRPC library would send (garbage, truncated frames, bad metadata).
import { connect } from 'node:http2';
import type { ClientTlsMaterial } from '../../src/tls/client-credentials';

export interface RawOutcome {
  httpStatus?: number;
  /** grpc-status (from trailers or a trailers-only response). */
  grpcStatus?: number;
  grpcMessage?: string;
  /** RST_STREAM code (0 when the stream closed normally). */
  rstCode?: number;
  /** The client library refused to send it (e.g. ERR_HTTP2_INVALID_HEADER_VALUE). */
  notSent?: string;
}

/** A length-prefixed gRPC message; `claimedLength` lies about the length (truncated frames). */
export function grpcFrame(payload: Buffer, claimedLength = payload.length, compressed = false): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(compressed ? 1 : 0, 0);
  header.writeUInt32BE(claimedLength, 1);
  return Buffer.concat([header, payload]);
}

export function rawGrpcCall(
  address: string,
  tls: ClientTlsMaterial,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const session = connect(`https://${address}`, { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, servername: 'localhost' });
    const outcome: RawOutcome = {};
    const done = () => {
      session.close();
      resolve(outcome);
    };
    session.on('error', () => undefined);
    let stream;
    try {
      stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
    } catch (err) {
      outcome.notSent = (err as NodeJS.ErrnoException).code ?? String(err);
      return done();
    }
    const status = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) outcome.grpcStatus = Number(h['grpc-status']);
      if (h['grpc-message'] !== undefined) outcome.grpcMessage = decodeURIComponent(String(h['grpc-message']));
    };
    stream.on('response', (h) => {
      outcome.httpStatus = Number(h[':status']);
      status(h);
    });
    stream.on('trailers', status);
    stream.on('error', () => undefined);
    stream.on('close', () => {
      outcome.rstCode = stream.rstCode;
      done();
    });
    stream.resume();
    stream.end(body);
  });
}
