// A port that answers, but not in the protocol certrpc speaks: plaintext HTTP/2, HTTP/1, something
// else, or TLS without HTTP/2. Worded in failure-reasons' shape, on the 'protocol' side.
import type { TlsFailure } from './failure-reasons';

/** What a port said when it was spoken to: found by tls/protocol-sniff.ts when a TLS handshake fails without a word of TLS back. */
export type SpokenProtocol =
  | { kind: 'tls' }
  | { kind: 'plaintext-http2' }
  | { kind: 'http1'; statusLine: string }
  | { kind: 'other'; firstBytes: string }
  | { kind: 'nothing' };

const MTLS_ONLY = "certrpc speaks only mutual TLS (the client certificate is the caller's identity)";

/** The port answers, but not in TLS (or TLS, but not gRPC): say what it speaks instead. */
export function wrongProtocol(address: string, spoken: Exclude<SpokenProtocol, { kind: 'tls' }>, handshakeError: string): TlsFailure {
  const side = 'protocol' as const;
  switch (spoken.kind) {
    case 'plaintext-http2':
      return {
        side,
        code: 'PLAINTEXT_HTTP2',
        reason: `${address} speaks plaintext HTTP/2 (h2c), not TLS: a gRPC server without TLS (what grpcurl calls -plaintext)`,
        fix: `${MTLS_ONLY}: serve it over mutual TLS (certrpc serve, or createInterceptor with ServerCredentials.createSsl(ca, pairs, true)), or dial the port that serves TLS`,
      };
    case 'http1':
      return {
        side,
        code: 'PLAINTEXT_HTTP1',
        reason: `${address} speaks plain HTTP/1, not TLS: it answered "${spoken.statusLine}" (a web server or HTTP API, not a gRPC server)`,
        fix: "check the port: it should be the gRPC server's mutual-TLS port",
      };
    case 'other':
      return {
        side,
        code: 'NOT_TLS',
        reason: `${address} does not speak TLS: it answered "${spoken.firstBytes}"`,
        fix: 'check the address: something other than a gRPC server listens there',
      };
    case 'nothing':
      return {
        side,
        code: 'NOT_TLS',
        reason: `${address} does not speak TLS: it answered the TLS handshake with something else (${handshakeError})`,
        fix: 'check the address: something other than a gRPC server listens there',
      };
  }
}

/** TLS works, but the server would not speak HTTP/2 (ALPN h2), which gRPC needs. */
export function notGrpcOverTls(address: string, alpn: string | false): TlsFailure {
  return {
    side: 'protocol',
    code: 'NO_HTTP2',
    reason: `${address} speaks TLS but did not agree to HTTP/2 (ALPN ${alpn || 'none'}), so it does not speak gRPC on this port`,
    fix: 'check the port: it should be a gRPC server',
  };
}
