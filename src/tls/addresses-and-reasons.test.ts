// Small parts of the TLS layer every log line and limit depends on: one written form per peer
// address, HOST:PORT parsing, and a reason for every refusal code.
import { parseAddress } from './address';
import { canonicalPeerAddress, peerOf } from './peer-address';
import { formatHostPort } from '../text/host-port';
import { refusalReason } from './refusal-reasons';

describe('peer addresses', () => {
  it('an IPv4-mapped IPv6 peer is the IPv4 host; IPv6 is lower-cased and bracketed with its port', () => {
    expect(canonicalPeerAddress('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalPeerAddress('::FFFF:10.0.0.1')).toBe('10.0.0.1');
    expect(canonicalPeerAddress('::ffff:a00:1')).toBe('::ffff:a00:1');
    expect(canonicalPeerAddress('FE80::1')).toBe('fe80::1');
    expect(formatHostPort('::1', 50051)).toBe('[::1]:50051');
    expect(formatHostPort('10.0.0.1', '443')).toBe('10.0.0.1:443');
    expect(peerOf({ remoteAddress: '::ffff:127.0.0.1', remotePort: 5 })).toBe('127.0.0.1:5');
    expect(peerOf({ remoteAddress: '::1' })).toBe('[::1]:0');
    expect(peerOf(undefined)).toBe('unknown peer (reset before its address was read)');
    expect(peerOf({})).toBe('unknown peer (reset before its address was read)');
  });

  it('parseAddress: HOST:PORT, [v6]:PORT, a dns: prefix; a port is required and at most 65535', () => {
    expect(parseAddress('127.0.0.1:50051')).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(parseAddress('[::1]:1')).toEqual({ host: '::1', port: 1 });
    expect(parseAddress('dns:///kv.corp:443')).toEqual({ host: 'kv.corp', port: 443 });
    expect(parseAddress('dns:kv.corp:65535')).toEqual({ host: 'kv.corp', port: 65535 });
    for (const bad of ['kv.corp', 'kv.corp:65536', '::1:80', 'a:b:1', ':80', 'kv.corp:123456', 'kv.corp:']) {
      expect(() => parseAddress(bad)).toThrow(`bad address "${bad}": write HOST:PORT, e.g. 127.0.0.1:50051 or [::1]:50051`);
    }
  });
});

describe('refusalReason', () => {
  const CODES = [
    'NO_CERTIFICATE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'CERT_SIGNATURE_FAILURE',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_REVOKED',
    'INVALID_PURPOSE',
    'PATH_LENGTH_EXCEEDED',
    'INVALID_CA',
    'CERT_CHAIN_TOO_LONG',
    'UNSPECIFIED',
    'UNABLE_TO_GET_CRL',
    'CRL_HAS_EXPIRED',
    'ERR_SSL_NO_SHARED_CIPHER',
    'ERR_SSL_UNSUPPORTED_PROTOCOL',
    'ERR_SSL_HTTP_REQUEST',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE',
    'ERR_TLS_HANDSHAKE_TIMEOUT',
    'ERR_TLS_HELLO_TIMEOUT',
    'TOO_MANY_HANDSHAKES_FROM_ADDRESS',
    'ECONNRESET',
    'TOO_MANY_CONNECTIONS',
    'CA_CERT_AS_IDENTITY',
    'NO_ALPN_H2',
    'ERR_SSL_NO_APPLICATION_PROTOCOL',
  ];
  it.each(CODES)('%s has a reason of its own, in words', (code) => {
    const reason = refusalReason(code, 'the raw message');
    expect(reason).not.toMatch(/^the handshake failed/);
    expect(reason.length).toBeGreaterThan(20);
    expect(reason).toMatch(/client|server|address|revocation list/);
  });
  it('a code without a reason falls back to the message, or the code itself', () => {
    expect(refusalReason('ERR_SOMETHING', 'boom')).toBe('the handshake failed: boom');
    expect(refusalReason('ERR_SOMETHING')).toBe('the handshake failed: ERR_SOMETHING');
  });
  it('the limits are named in the reasons they cause', () => {
    expect(refusalReason('ERR_TLS_HANDSHAKE_TIMEOUT')).toContain('handshakeTimeoutMs');
    expect(refusalReason('ERR_TLS_HELLO_TIMEOUT')).toContain('helloTimeoutMs');
    expect(refusalReason('TOO_MANY_HANDSHAKES_FROM_ADDRESS')).toContain('maxHandshakesPerAddress');
    expect(refusalReason('TOO_MANY_CONNECTIONS')).toContain('maxConnections');
    expect(refusalReason('CERT_REVOKED')).toContain('revoked');
    expect(refusalReason('CERT_HAS_EXPIRED')).toContain('expired');
  });
});
