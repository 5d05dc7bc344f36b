// What certrpc says when a port answers in another protocol: each kind, word for word.
import { notGrpcOverTls, wrongProtocol } from './wrong-protocol';

describe('not TLS, or TLS without gRPC: what the port speaks instead', () => {
  const mtlsOnly = "certrpc speaks only mutual TLS (the client certificate is the caller's identity)";
  it('wrongProtocol: what the port speaks instead, for each kind', () => {
    expect(wrongProtocol('h:1', { kind: 'plaintext-http2' }, 'e')).toEqual({
      side: 'protocol',
      code: 'PLAINTEXT_HTTP2',
      reason: 'h:1 speaks plaintext HTTP/2 (h2c), not TLS: a gRPC server without TLS (what grpcurl calls -plaintext)',
      fix: `${mtlsOnly}: serve it over mutual TLS (certrpc serve, or createInterceptor with ServerCredentials.createSsl(ca, pairs, true)), or dial the port that serves TLS`,
    });
    expect(wrongProtocol('h:1', { kind: 'http1', statusLine: 'HTTP/1.1 400 Bad Request' }, 'e')).toEqual({
      side: 'protocol',
      code: 'PLAINTEXT_HTTP1',
      reason: 'h:1 speaks plain HTTP/1, not TLS: it answered "HTTP/1.1 400 Bad Request" (a web server or HTTP API, not a gRPC server)',
      fix: "check the port: it should be the gRPC server's mutual-TLS port",
    });
    expect(wrongProtocol('h:1', { kind: 'other', firstBytes: 'SSH-2.0' }, 'e')).toEqual({
      side: 'protocol',
      code: 'NOT_TLS',
      reason: 'h:1 does not speak TLS: it answered "SSH-2.0"',
      fix: 'check the address: something other than a gRPC server listens there',
    });
    expect(wrongProtocol('h:1', { kind: 'nothing' }, 'wrong version number')).toEqual({
      side: 'protocol',
      code: 'NOT_TLS',
      reason: 'h:1 does not speak TLS: it answered the TLS handshake with something else (wrong version number)',
      fix: 'check the address: something other than a gRPC server listens there',
    });
  });

  it('notGrpcOverTls: the ALPN the server chose, or none', () => {
    const failure = (alpn: string) => ({
      side: 'protocol',
      code: 'NO_HTTP2',
      reason: `h:1 speaks TLS but did not agree to HTTP/2 (ALPN ${alpn}), so it does not speak gRPC on this port`,
      fix: 'check the port: it should be a gRPC server',
    });
    expect(notGrpcOverTls('h:1', false)).toEqual(failure('none'));
    expect(notGrpcOverTls('h:1', 'http/1.1')).toEqual(failure('http/1.1'));
  });
});
