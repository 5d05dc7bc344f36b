// Every way a mutual-TLS connection fails, in words, with the side that refused and the fix.
// One table for the client's diagnosis, `certrpc doctor` and the server's refused-handshake log.
// Fixes name the library's options (tls.caPem, authority...); the CLI words them with its flags,
// by code (cli/error-wording.ts), and keeps the note.

export type RefusingSide = 'network' | 'client' | 'server' | 'proxy' | 'protocol';

export interface TlsFailure {
  /** Who said no: the network (nothing listening), we (the client refused the server), the server, or nobody: the port speaks another protocol. */
  side: RefusingSide;
  /** Node/OpenSSL code, e.g. UNABLE_TO_VERIFY_LEAF_SIGNATURE, or the TLS alert name. */
  code: string;
  reason: string;
  /** What to do, in terms of the library's options. */
  fix: string;
  /** More to the fix that names no option (e.g. the intermediate a certificate file lacks): kept when the fix is worded again. */
  note?: string;
}

/** The client refused the server's certificate (Node's verification error codes). */
export function serverCertificateRefused(
  code: string,
  message: string,
  detail: { issuer?: string; trusted?: string; names?: string; dialed?: string },
): TlsFailure {
  const side = 'client' as const;
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE': {
      // No issuer found at all: with intermediate CAs (step-ca, pki init --intermediate) the usual cause is a server that does not send its intermediate.
      const noIssuer = code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code.startsWith('UNABLE_TO_GET_ISSUER_CERT');
      return {
        side,
        code,
        reason: `the server's certificate is not signed by a CA you trust: it was issued by "${detail.issuer ?? 'unknown'}", you trust "${detail.trusted ?? 'unknown'}"`,
        fix: 'trust the CA that signed the server (tls.caPem: its CA certificate, e.g. DIR/ca.crt), or have the server use a certificate from your CA',
        ...(noIssuer
          ? {
              note: 'if that issuer is an intermediate CA under one you trust, the server did not send it: its certificate file must hold its certificate, then the intermediate',
            }
          : {}),
      };
    }
    case 'CERT_HAS_EXPIRED':
      return {
        side,
        code,
        reason: "the server's certificate has expired",
        fix: 'renew the server certificate (certrpc cert renew NAME) and let the server reload it',
      };
    case 'CERT_NOT_YET_VALID':
      return {
        side,
        code,
        reason: "the server's certificate is not valid yet",
        fix: "check the clocks of both machines; re-issue if the certificate's start date is wrong",
      };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        side,
        code,
        reason: detail.dialed
          ? `the server's certificate is not valid for the name you dialed (${detail.dialed}): its names are ${detail.names || 'none'}`
          : `the server's certificate is not valid for the name you dialed: ${message.replace(/^Hostname\/IP does not match certificate's altnames: /, '')}; its names are ${detail.names || 'none'}`,
        fix: 'dial one of the names the certificate has, verify it under another (authority, or tls.serverId), or re-issue the server certificate with the name as a SAN',
      };
    case 'SERVER_ID_MISMATCH':
      return {
        side,
        code,
        reason: `the server's certificate does not carry the server id you expect (${detail.dialed ?? 'unknown'}): its names are ${detail.names || 'none'}`,
        fix: 'check tls.serverId, or re-issue the server certificate with that URI SAN',
      };
    case 'CERT_REVOKED':
      return { side, code, reason: "the server's certificate is revoked", fix: 'issue the server a new certificate' };
    case 'UNABLE_TO_GET_CRL':
      return {
        side,
        code,
        reason:
          "your CRL file has no CRL for the CA that signed the server's certificate (with a CRL loaded, every CA of the chain needs one)",
        fix: 'republish CRLs for every CA with certrpc ca crl and use that crl.pem',
      };
    case 'UNSPECIFIED':
      // What Node 20 calls OpenSSL's name-constraint failures (PERMITTED_VIOLATION, EXCLUDED_VIOLATION...).
      return {
        side,
        code,
        reason: "the server's certificate chain was refused for a reason Node does not name (a CA's name constraints, for one)",
        fix: 'check the server certificate against your CA with certrpc cert verify FILE (or verifyCertificate()): it names the rule',
      };
    case 'CRL_HAS_EXPIRED':
      return {
        side,
        code,
        reason: "your CRL for the server's CA has expired (nextUpdate passed)",
        fix: 'republish it with certrpc ca crl and use the new crl.pem',
      };
    default:
      return {
        side,
        code,
        reason: `the server's certificate was refused: ${message}`,
        fix: 'run certrpc doctor ADDR for a step-by-step check',
      };
  }
}

/** TLS alerts by which a server refuses the client's certificate (anything else is about the handshake). */
export const CLIENT_CERTIFICATE_ALERTS = [
  'certificate required',
  'handshake failure',
  'unknown ca',
  'certificate expired',
  'certificate revoked',
  'unsupported certificate',
  'bad certificate',
  'decrypt error',
];

/** The server refused our certificate: it tells us only through a TLS alert. */
export function clientCertificateRefused(alert: string, message: string): TlsFailure {
  const side = 'server' as const;
  switch (alert) {
    case 'certificate required':
    case 'handshake failure':
      return {
        side,
        code: alert,
        reason: 'the server requires a client certificate and you sent none',
        fix: 'give the client its identity: tls.certPem and tls.keyPem',
      };
    case 'unknown ca':
      return {
        side,
        code: alert,
        reason: 'the server does not trust the CA that signed your certificate (or your certificate is self-signed)',
        fix: "get a client certificate from the server's client CA (issued on the CA host, or signed from your CSR)",
      };
    case 'certificate expired':
      return {
        side,
        code: alert,
        reason: 'the server refused your certificate: it has expired (or is not yet valid)',
        fix: 'renew it: certrpc cert renew NAME',
      };
    case 'certificate revoked':
      return {
        side,
        code: alert,
        reason: 'the server refused your certificate: it has been revoked',
        fix: 'ask for a new certificate; a revoked one never works again',
      };
    case 'unsupported certificate':
      return {
        side,
        code: alert,
        reason: 'the server refused your certificate: it is not for client authentication (wrong extended key usage)',
        fix: 'use a certificate issued for client authentication (profile client)',
      };
    case 'bad certificate':
    case 'decrypt error':
      return {
        side,
        code: alert,
        reason: 'the server refused your certificate (bad certificate: wrong key usage, a key that does not match, or a damaged chain)',
        fix: 'check it with certrpc cert verify FILE (or verifyCertificate()), and re-issue it for client authentication if needed',
      };
    default:
      return {
        side,
        code: alert || 'closed',
        reason: `the server closed the connection during the handshake${message ? `: ${message}` : ''}`,
        fix: 'check the server log for the refused handshake and its reason',
      };
  }
}

export function networkFailure(code: string, address: string, message: string): TlsFailure {
  const side = 'network' as const;
  switch (code) {
    case 'ECONNREFUSED':
      return {
        side,
        code,
        reason: `nothing is listening on ${address}`,
        fix: 'start the server (certrpc serve), or check the host and port',
      };
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      return {
        side,
        code,
        reason: `no answer from ${address} in time`,
        fix: 'check that the host is reachable and no firewall drops the port',
      };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { side, code, reason: `the host name in ${address} does not resolve`, fix: 'check the spelling, or use an IP address' };
    case 'ENOENT':
      return { side, code, reason: `there is no socket at ${address}`, fix: 'start the server, or check the path (unix:///ABSOLUTE/PATH)' };
    case 'EACCES':
      return {
        side,
        code,
        reason: `this user may not connect to ${address}`,
        fix: "check the socket file's permissions, or run as a user who may use it",
      };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { side, code, reason: `${address} is unreachable`, fix: 'check routes and the address' };
    default:
      return { side, code, reason: `connection to ${address} failed: ${message}`, fix: 'check the address and that the server is up' };
  }
}

/** "...:SSL routines:ssl3_get_record:wrong version number:..." -> "wrong version number" (else the message as it is). */
export function opensslReason(message: string): string {
  return message.split(':').find((part) => /^[a-z]+(?: [a-z]+)+$/.test(part)) ?? message;
}

/** A handshake error that is neither an alert nor a network error: the peer answered with something that is not TLS. */
export function isNotTlsError(err: Error & { code?: string }): boolean {
  return Boolean(err.code?.startsWith('ERR_SSL_')) && !alertName(err.message);
}

/** OpenSSL writes alerts as "...:SSL routines:...:tlsv13 alert certificate required:..."; pull the name out. */
export function alertName(message: string): string | undefined {
  const m = /(?:sslv3|tlsv1[0-3]?) alert ([a-z ]+?)(?::|$)/i.exec(message);
  return m?.[1]?.toLowerCase();
}

export function formatFailure(f: TlsFailure): string {
  const who =
    f.side === 'server'
      ? 'the server refused the connection'
      : f.side === 'client'
        ? 'this client refused the server'
        : f.side === 'proxy'
          ? 'the proxy refused the tunnel'
          : f.side === 'protocol'
            ? 'wrong protocol'
            : 'could not connect';
  return `${who}: ${f.reason} [${f.code}]\n  fix: ${f.fix}${f.note ? `; ${f.note}` : ''}`;
}
