// A plain TLS handshake with exactly the client's material, to learn why a gRPC connection
// failed: grpc-js reports most failures as "14 UNAVAILABLE: Failed to connect".
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { dnLine } from '../pki/distinguished-name';
import { pemBlocks } from '../pki/pem';
import { ekuAllows } from '../pki/profiles';
import { defaultServerName, parseDialTarget, socketAddress } from './address';
import { ClientTlsMaterial, serverIdChecker } from './client-credentials';
import {
  alertName,
  CLIENT_CERTIFICATE_ALERTS,
  clientCertificateRefused,
  isNotTlsError,
  networkFailure,
  opensslReason,
  TlsFailure,
} from './failure-reasons';
import { wrongProtocol } from './wrong-protocol';
import { sniffProtocol } from './protocol-sniff';
import { serverCertificateProblem } from './server-certificate-check';

export interface ProbeOptions {
  /** Name to verify the server certificate for (default: the host dialed). */
  authority?: string;
  timeoutMs?: number;
  /** How long to wait after the handshake for the server's verdict on our certificate (TLS 1.3 sends it late). */
  settleMs?: number;
  /** Run the handshake over this open connection (e.g. a CONNECT proxy tunnel) instead of dialing the address. */
  socket?: Duplex;
}

/** Where a probe stopped, in the order `certrpc doctor` reports the steps. */
export type ProbeStep = 'tcp' | 'tls-handshake' | 'server-certificate' | 'client-certificate';

export type ProbeResult =
  | { ok: true; serverCertificate: PeerCertificate; protocol: string | null; alpn: string | false }
  | { ok: false; failure: TlsFailure; step: ProbeStep; serverCertificate?: PeerCertificate };

/** Tries one handshake (ALPN h2, like grpc-js) and reports the first thing that went wrong. */
export function probeTls(
  address: string,
  material: Partial<ClientTlsMaterial> & { caPem: string },
  options: ProbeOptions = {},
): Promise<ProbeResult> {
  const target = parseDialTarget(address);
  const name = options.authority ?? defaultServerName(target);
  return new Promise((resolve) => {
    let serverCertificate: DetailedPeerCertificate | undefined;
    let tcpConnected = options.socket !== undefined;
    let done = false;
    let sniffing = false;
    // Before the server's certificate arrived the handshake failed; after it, the server judged ours.
    const stepSoFar = (): ProbeStep => (!tcpConnected ? 'tcp' : serverCertificate ? 'client-certificate' : 'tls-handshake');
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = connect({
      ...socketAddress(target),
      socket: options.socket,
      ca: material.caPem,
      cert: material.certPem,
      key: material.keyPem,
      servername: isIP(name) ? undefined : name,
      ALPNProtocols: ['h2'],
      ...(material.serverId ? { checkServerIdentity: serverIdChecker(material.serverId) } : {}),
      // Verify ourselves below, so the server certificate can be named in the message.
      rejectUnauthorized: false,
    });
    socket.once('connect', () => (tcpConnected = true));
    const timer = setTimeout(
      () => finish({ ok: false, step: stepSoFar(), failure: networkFailure('ETIMEDOUT', address, 'timed out'), serverCertificate }),
      options.timeoutMs ?? 5000,
    );
    socket.once('secureConnect', () => {
      serverCertificate = socket.getPeerCertificate(true);
      const refused = serverCertificateProblem(socket, serverCertificate, name, material);
      if (refused) return finish({ ok: false, step: 'server-certificate', serverCertificate, failure: refused });
      // With TLS 1.3 the server checks our certificate after we consider the handshake done;
      // its verdict is either an alert (error below) or its HTTP/2 SETTINGS frame (data).
      const protocol = socket.getProtocol();
      const alpn = socket.alpnProtocol;
      socket.once('data', () => finish({ ok: true, serverCertificate: serverCertificate!, protocol, alpn: alpn ?? false }));
      setTimeout(
        () => finish({ ok: true, serverCertificate: serverCertificate!, protocol, alpn: alpn ?? false }),
        options.settleMs ?? 1000,
      ).unref();
    });
    socket.once('error', (err: Error & { code?: string }) => {
      if (err.code && /^E[A-Z]+$/.test(err.code) && !serverCertificate && !alertName(err.message)) {
        return finish({ ok: false, step: stepSoFar(), failure: networkFailure(err.code, address, err.message) });
      }
      const alert = alertName(err.message) ?? '';
      // No TLS came back at all ("wrong version number"): find out what the port speaks instead.
      if (!serverCertificate && isNotTlsError(err)) {
        sniffing = true;
        return void notTls(err.message).then((failure) => finish({ ok: false, step: 'tls-handshake', failure }));
      }
      // A TLS 1.2 server refuses a client certificate inside the handshake, with an alert.
      const aboutOurCertificate = serverCertificate !== undefined || CLIENT_CERTIFICATE_ALERTS.includes(alert);
      return finish({
        ok: false,
        step: aboutOurCertificate ? 'client-certificate' : 'tls-handshake',
        serverCertificate,
        failure: clientCertificateRefused(alert, err.message),
      });
    });
    const notTls = async (message: string): Promise<TlsFailure> => {
      const reason = opensslReason(message);
      if (options.socket) return wrongProtocol(address, { kind: 'nothing' }, reason);
      clearTimeout(timer); // the sniff has a deadline of its own
      const spoken = await sniffProtocol(target, Math.min(options.timeoutMs ?? 5000, 2000));
      return spoken.kind === 'tls' ? clientCertificateRefused('', message) : wrongProtocol(address, spoken, reason);
    };
    // Node servers verify a TLS 1.3 client certificate after the handshake and just close the
    // socket, with no alert: work out from our own certificate what the server most likely saw.
    socket.once(
      'close',
      () => !sniffing && finish({ ok: false, step: stepSoFar(), serverCertificate, failure: silentRefusal(material.certPem) }),
    );
  });
}

function silentRefusal(certPem?: string): TlsFailure {
  if (!certPem) return clientCertificateRefused('certificate required', 'connection closed');
  const cert = new X509Certificate(certPem);
  const now = Date.now();
  if (now > Date.parse(cert.validTo) || now < Date.parse(cert.validFrom)) return clientCertificateRefused('certificate expired', '');
  if (!ekuAllows(cert.keyUsage, 'client')) return clientCertificateRefused('unsupported certificate', '');
  const refused = clientCertificateRefused('unknown ca', '');
  if (cert.subject === cert.issuer && cert.verify(cert.publicKey)) {
    return {
      ...refused,
      reason: `the server refused your certificate: it is self-signed ("${dnLine(cert.subject)}"), so no CA the server trusts vouches for it`,
    };
  }
  const issuer = dnLine(cert.issuer);
  // A file with the certificate alone: if its issuer is an intermediate (step-ca's are), the server never saw the link to its root.
  const alone = pemBlocks(certPem).length === 1;
  return {
    ...refused,
    reason: `the server refused your certificate (issued by "${issuer}"): it does not trust that CA, or the certificate is revoked`,
    ...(alone
      ? {
          note: `if "${issuer}" is an intermediate CA, your certificate file must hold your certificate, then that intermediate (it holds your certificate alone)`,
        }
      : {}),
  };
}
