// The failure table: each code goes to its side, its reason and its fix. The CLI suites show these
// texts on real refusals (test/rpc/rpc-failures.test.ts); here every row is pinned to its meaning,
// its fix as the CLI words it (cli/error-wording.ts: the library names options, the CLI flags).
import { failureFixForCli } from '../cli/error-wording';
import {
  alertName,
  CLIENT_CERTIFICATE_ALERTS,
  clientCertificateRefused,
  formatFailure,
  isNotTlsError,
  networkFailure,
  opensslReason,
  serverCertificateRefused,
} from './failure-reasons';

describe('serverCertificateRefused: the client refused the server', () => {
  const detail = { issuer: 'CN=evil CA', trusted: 'CN=our CA', names: 'DNS:a.corp', dialed: 'b.corp' };
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /issued by "CN=evil CA", you trust "CN=our CA"/, /--cacert/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', /not signed by a CA you trust/, /CA bundle/],
    ['UNABLE_TO_GET_ISSUER_CERT', /not signed by a CA you trust/, /CA bundle/],
    ['SELF_SIGNED_CERT_IN_CHAIN', /not signed by a CA you trust/, /CA bundle/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', /not signed by a CA you trust/, /CA bundle/],
    ['CERT_SIGNATURE_FAILURE', /not signed by a CA you trust/, /CA bundle/],
    ['CERT_HAS_EXPIRED', /has expired/, /cert renew/],
    ['CERT_NOT_YET_VALID', /not valid yet/, /clocks/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', /not valid for the name you dialed \(b\.corp\): its names are DNS:a\.corp/, /--authority/],
    ['SERVER_ID_MISMATCH', /server id you expect \(b\.corp\): its names are DNS:a\.corp/, /--server-id/],
    ['CERT_REVOKED', /is revoked/, /new certificate/],
    ['UNABLE_TO_GET_CRL', /no CRL for the CA/, /ca crl/],
    ['CRL_HAS_EXPIRED', /CRL .* has expired/, /republish/],
    ['UNSPECIFIED', /reason Node does not name \(a CA's name constraints/, /cert verify/],
    ['SOMETHING_ELSE', /was refused: the message/, /doctor/],
  ])('%s', (code, reason, fix) => {
    const f = serverCertificateRefused(code, 'the message', detail);
    expect(f.side).toBe('client');
    expect(f.code).toBe(code);
    expect(f.reason).toMatch(reason);
    expect(failureFixForCli(f)).toMatch(fix);
  });

  it('says "unknown" and "none" when details are missing, and reads the names out of Node\'s message', () => {
    expect(serverCertificateRefused('UNABLE_TO_VERIFY_LEAF_SIGNATURE', '', {}).reason).toBe(
      `the server's certificate is not signed by a CA you trust: it was issued by "unknown", you trust "unknown"`,
    );
    expect(
      serverCertificateRefused(
        'ERR_TLS_CERT_ALTNAME_INVALID',
        "Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames: DNS:a",
        {},
      ).reason,
    ).toBe(
      "the server's certificate is not valid for the name you dialed: Host: x. is not in the cert's altnames: DNS:a; its names are none",
    );
    expect(serverCertificateRefused('ERR_TLS_CERT_ALTNAME_INVALID', '', { dialed: 'x' }).reason).toMatch(/its names are none$/);
    expect(serverCertificateRefused('SERVER_ID_MISMATCH', '', {}).reason).toBe(
      "the server's certificate does not carry the server id you expect (unknown): its names are none",
    );
  });
});

describe('clientCertificateRefused: the server refused us (a TLS alert is all we get)', () => {
  it.each([
    ['certificate required', /requires a client certificate and you sent none/, /--identity/],
    ['handshake failure', /requires a client certificate/, /--cert and --key/],
    ['unknown ca', /does not trust the CA/, /cert issue NAME --client/],
    ['certificate expired', /has expired/, /cert renew/],
    ['certificate revoked', /has been revoked/, /never works again/],
    ['unsupported certificate', /not for client authentication/, /--client/],
    ['bad certificate', /bad certificate/, /cert verify/],
    ['decrypt error', /bad certificate/, /cert verify/],
  ])('%s', (alert, reason, fix) => {
    const f = clientCertificateRefused(alert, 'm');
    expect([f.side, f.code]).toEqual(['server', alert]);
    expect(f.reason).toMatch(reason);
    expect(failureFixForCli(f)).toMatch(fix);
    expect(CLIENT_CERTIFICATE_ALERTS).toContain(alert);
  });

  it('anything else: the server closed the connection during the handshake', () => {
    expect(clientCertificateRefused('', '')).toEqual({
      side: 'server',
      code: 'closed',
      reason: 'the server closed the connection during the handshake',
      fix: 'check the server log for the refused handshake and its reason',
    });
    expect(clientCertificateRefused('protocol version', 'too old').reason).toBe(
      'the server closed the connection during the handshake: too old',
    );
    expect(CLIENT_CERTIFICATE_ALERTS).not.toContain('protocol version');
  });
});

describe('networkFailure', () => {
  it.each([
    ['ECONNREFUSED', 'nothing is listening on h:1', /start the server/],
    ['ETIMEDOUT', 'no answer from h:1 in time', /firewall/],
    ['ESOCKETTIMEDOUT', 'no answer from h:1 in time', /firewall/],
    ['ENOTFOUND', 'the host name in h:1 does not resolve', /spelling/],
    ['EAI_AGAIN', 'the host name in h:1 does not resolve', /IP address/],
    ['EHOSTUNREACH', 'h:1 is unreachable', /routes/],
    ['ENETUNREACH', 'h:1 is unreachable', /routes/],
    ['EPIPE', 'connection to h:1 failed: boom', /server is up/],
  ])('%s', (code, reason, fix) => {
    const f = networkFailure(code, 'h:1', 'boom');
    expect([f.side, f.code, f.reason]).toEqual(['network', code, reason]);
    expect(f.fix).toMatch(fix);
  });
});

describe('alertName and formatFailure', () => {
  it('pulls the alert name out of OpenSSL messages, TLS 1.3 and 1.2 and SSLv3 spellings', () => {
    expect(
      alertName('error:0A00045C:SSL routines::tlsv13 alert certificate required:../ssl/record/rec_layer_s3.c:1605:SSL alert number 116'),
    ).toBe('certificate required');
    expect(alertName('140:error:14094418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:ssl/record/rec_layer_s3.c:1543')).toBe(
      'unknown ca',
    );
    expect(alertName('SSL routines:ssl3_read_bytes:sslv3 alert bad certificate')).toBe('bad certificate');
    expect(alertName('x TLSV12 ALERT Certificate Revoked:y')).toBe('certificate revoked');
    expect(alertName('socket hang up')).toBeUndefined();
  });

  it('names who refused, the reason, the code and the fix', () => {
    const body = { code: 'C', reason: 'why', fix: 'do this' };
    expect(formatFailure({ side: 'server', ...body })).toBe('the server refused the connection: why [C]\n  fix: do this');
    expect(formatFailure({ side: 'client', ...body })).toBe('this client refused the server: why [C]\n  fix: do this');
    expect(formatFailure({ side: 'proxy', ...body })).toBe('the proxy refused the tunnel: why [C]\n  fix: do this');
    expect(formatFailure({ side: 'network', ...body })).toBe('could not connect: why [C]\n  fix: do this');
    expect(formatFailure({ side: 'protocol', ...body, note: 'and this' })).toBe('wrong protocol: why [C]\n  fix: do this; and this');
  });
});

describe('the library fixes, word for word (the CLI rewords them by code, so only these tests read them)', () => {
  const issuerNote =
    'if that issuer is an intermediate CA under one you trust, the server did not send it: its certificate file must hold its certificate, then the intermediate';
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', issuerNote],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', issuerNote],
    ['UNABLE_TO_GET_ISSUER_CERT', issuerNote],
    ['SELF_SIGNED_CERT_IN_CHAIN', undefined],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', undefined],
    ['CERT_SIGNATURE_FAILURE', undefined],
  ])('%s: the note on a missing intermediate only when no issuer was found', (code, note) => {
    const f = serverCertificateRefused(code, 'm', { issuer: 'CN=i', trusted: 'CN=t' });
    expect(f).toEqual({
      side: 'client',
      code,
      reason: `the server's certificate is not signed by a CA you trust: it was issued by "CN=i", you trust "CN=t"`,
      fix: 'trust the CA that signed the server (tls.caPem: its CA certificate, e.g. DIR/ca.crt), or have the server use a certificate from your CA',
      ...(note ? { note } : {}),
    });
  });

  it('the name checks, and a message that only mentions the altnames text in its middle is kept whole', () => {
    expect(serverCertificateRefused('ERR_TLS_CERT_ALTNAME_INVALID', "x: Hostname/IP does not match certificate's altnames: y", {})).toEqual(
      {
        side: 'client',
        code: 'ERR_TLS_CERT_ALTNAME_INVALID',
        reason:
          "the server's certificate is not valid for the name you dialed: x: Hostname/IP does not match certificate's altnames: y; its names are none",
        fix: 'dial one of the names the certificate has, verify it under another (authority, or tls.serverId), or re-issue the server certificate with the name as a SAN',
      },
    );
    expect(serverCertificateRefused('SERVER_ID_MISMATCH', 'm', { dialed: 'spiffe://a', names: 'DNS:b' }).fix).toBe(
      'check tls.serverId, or re-issue the server certificate with that URI SAN',
    );
  });

  it.each([
    ['certificate required', 'give the client its identity: tls.certPem and tls.keyPem'],
    ['handshake failure', 'give the client its identity: tls.certPem and tls.keyPem'],
    ['unknown ca', "get a client certificate from the server's client CA (issued on the CA host, or signed from your CSR)"],
    ['certificate expired', 'renew it: certrpc cert renew NAME'],
    ['certificate revoked', 'ask for a new certificate; a revoked one never works again'],
    ['unsupported certificate', 'use a certificate issued for client authentication (profile client)'],
    [
      'bad certificate',
      'check it with certrpc cert verify FILE (or verifyCertificate()), and re-issue it for client authentication if needed',
    ],
    [
      'decrypt error',
      'check it with certrpc cert verify FILE (or verifyCertificate()), and re-issue it for client authentication if needed',
    ],
  ])('alert %s', (alert, fix) => {
    expect(clientCertificateRefused(alert, 'm').fix).toBe(fix);
  });

  it('unix sockets: no socket at the path, or not allowed to use it', () => {
    expect(networkFailure('ENOENT', 'unix:///run/x.sock', 'm')).toEqual({
      side: 'network',
      code: 'ENOENT',
      reason: 'there is no socket at unix:///run/x.sock',
      fix: 'start the server, or check the path (unix:///ABSOLUTE/PATH)',
    });
    expect(networkFailure('EACCES', 'unix:///run/x.sock', 'm')).toEqual({
      side: 'network',
      code: 'EACCES',
      reason: 'this user may not connect to unix:///run/x.sock',
      fix: "check the socket file's permissions, or run as a user who may use it",
    });
  });
});

describe('not TLS, or TLS without gRPC', () => {
  it('opensslReason: the lower-case words of an OpenSSL message, else the message', () => {
    const wrongVersion = 'error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl/record/ssl3_record.c:354:';
    expect(opensslReason(wrongVersion)).toBe('wrong version number');
    expect(opensslReason('x:Bad packet length:packet length too long')).toBe('packet length too long');
    expect(opensslReason('bad length 7:packet length too long')).toBe('packet length too long');
    expect(opensslReason('socket hang up')).toBe('socket hang up');
    expect(opensslReason('ECONNRESET')).toBe('ECONNRESET');
  });

  it('isNotTlsError: an ERR_SSL_ error that carries no alert', () => {
    const err = (code: string | undefined, message: string) => Object.assign(new Error(message), code ? { code } : {});
    expect(isNotTlsError(err('ERR_SSL_WRONG_VERSION_NUMBER', 'SSL routines::wrong version number'))).toBe(true);
    expect(isNotTlsError(err('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'SSL routines::tlsv13 alert certificate required'))).toBe(false);
    expect(isNotTlsError(err('ECONNRESET', 'read ECONNRESET'))).toBe(false);
    expect(isNotTlsError(err(undefined, 'socket hang up'))).toBe(false);
  });
});
