// Why the server refused a client's handshake, in words, from Node/OpenSSL's verification code.
// The client-side twin is failure-reasons.ts.

export interface RefusedHandshake {
  /** "ip:port" of the peer. */
  peer: string;
  /** OpenSSL/Node code, e.g. UNABLE_TO_GET_ISSUER_CERT, CERT_HAS_EXPIRED, NO_CERTIFICATE. */
  code: string;
  reason: string;
  /** Subject of the certificate the peer presented, if it presented one. */
  subject?: string;
  issuer?: string;
  serial?: string;
}

const UNKNOWN_ISSUER =
  'the client certificate was issued by a CA this server does not trust (or by an intermediate CA the client did not send: its certificate file must hold the certificate, then its intermediates)';

const REASONS: Record<string, string> = {
  NO_CERTIFICATE: 'the client sent no certificate',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the client certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'the client certificate chains to a self-signed CA this server does not trust',
  // No issuer found: an unknown CA, or (with intermediate CAs, as step-ca issues) an intermediate the client left out.
  UNABLE_TO_GET_ISSUER_CERT: UNKNOWN_ISSUER,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNKNOWN_ISSUER,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNKNOWN_ISSUER,
  CERT_SIGNATURE_FAILURE: "the client certificate's signature does not verify (a different CA with the same name?)",
  CERT_HAS_EXPIRED: 'the client certificate has expired',
  CERT_NOT_YET_VALID: 'the client certificate is not valid yet',
  CERT_REVOKED: 'the client certificate is revoked',
  INVALID_PURPOSE: 'the client certificate is not for client authentication (wrong extended key usage)',
  // A chain through the trusted CA that breaks a rule for CAs: the CA that issued it must fix it, not the client.
  PATH_LENGTH_EXCEEDED:
    "the client's chain has more intermediate CAs below a CA than that CA's pathlen allows (basicConstraints pathlen): its intermediate must come from a CA that allows it",
  INVALID_CA: "the client's chain holds an intermediate that is not a CA (no basicConstraints CA:TRUE, or no keyCertSign)",
  CERT_CHAIN_TOO_LONG: "the client's chain is longer than this server verifies",
  // Node 20 has no name for OpenSSL's name-constraint codes (PERMITTED_VIOLATION...): they arrive as this.
  UNSPECIFIED:
    "OpenSSL refused the client's chain for a reason Node does not name (a CA's name constraints, for one): certrpc cert verify on the client's certificate names the rule",
  UNABLE_TO_GET_CRL: 'no revocation list is available for the client certificate issuer',
  CRL_HAS_EXPIRED: 'the revocation list of its CA has expired (nextUpdate passed): republish it with certrpc ca crl',
  ERR_SSL_NO_SHARED_CIPHER: 'the client offered no cipher this server accepts',
  ERR_SSL_UNSUPPORTED_PROTOCOL: 'the client offered an unsupported TLS version',
  ERR_SSL_HTTP_REQUEST: 'the client spoke plain HTTP to the TLS port',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the client did not speak TLS (random bytes or another protocol)',
  ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE: 'the client sent no certificate',
  ERR_TLS_HANDSHAKE_TIMEOUT: 'the client did not finish the TLS handshake in time (limit handshakeTimeoutMs)',
  ERR_TLS_HELLO_TIMEOUT: 'the client connected but sent nothing (limit helloTimeoutMs)',
  TOO_MANY_HANDSHAKES_FROM_ADDRESS:
    'this address already has as many handshakes in progress as the server allows one address (limit maxHandshakesPerAddress)',
  ECONNRESET: 'the client closed the connection during the handshake',
  TOO_MANY_CONNECTIONS: 'the server already has as many connections as it allows (limit maxConnections); closed before the handshake',
  CA_CERT_AS_IDENTITY: 'the client presented a CA certificate (basicConstraints CA:TRUE) as its own: a CA signs identities, it is not one',
  NO_ALPN_H2: 'the client did not negotiate HTTP/2 (ALPN h2), so it is not a gRPC client',
  ERR_SSL_NO_APPLICATION_PROTOCOL: 'the client offered no protocol (ALPN) this server speaks: a gRPC server needs h2, the proxy http/1.1',
};

export function refusalReason(code: string, message?: string): string {
  return REASONS[code] ?? `the handshake failed: ${message ?? code}`;
}
