// A plain TLS handshake with exactly the client's material, to learn why a gRPC connection
// failed: grpc-js reports most failures as "14 UNAVAILABLE: Failed to connect".
import { isIP } from 'node:net';
import { checkServerIdentity, connect, DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { parseCertificateBundle } from '../pki/pem';
import { parseAddress } from './address';
import { ClientTlsMaterial, serverIdChecker } from './client-credentials';
import { alertName, clientCertificateRefused, networkFailure, serverCertificateRefused, TlsFailure } from './failure-reasons';

export interface ProbeOptions {
  /** Name to verify the server certificate for (default: the host dialed). */
  authority?: string;
  timeoutMs?: number;
  /** How long to wait after the handshake for the server's verdict on our certificate (TLS 1.3 sends it late). */
  settleMs?: number;
}

export type ProbeResult =
  | { ok: true; serverCertificate: PeerCertificate; protocol: string | null; alpn: string | false }
  | { ok: false; failure: TlsFailure; serverCertificate?: PeerCertificate };

const NAMES_OF = (cert?: PeerCertificate) => cert?.subjectaltname ?? (cert?.subject?.CN ? `CN=${cert.subject.CN}` : undefined);

/** Tries one handshake (ALPN h2, like grpc-js) and reports the first thing that went wrong. */
export function probeTls(address: string, material: Partial<ClientTlsMaterial> & { caPem: string }, options: ProbeOptions = {}): Promise<ProbeResult> {
  const { host, port } = parseAddress(address);
  const name = options.authority ?? host;
  const trusted = safeSubjects(material.caPem);
  return new Promise((resolve) => {
    let serverCertificate: DetailedPeerCertificate | undefined;
    let done = false;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const socket = connect({
      host,
      port,
      ca: material.caPem,
      cert: material.certPem,
      key: material.keyPem,
      servername: isIP(name) ? undefined : name,
      ALPNProtocols: ['h2'],
      ...(material.serverId ? { checkServerIdentity: serverIdChecker(material.serverId) } : {}),
      // Verify ourselves below, so the server certificate can be named in the message.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => finish({ ok: false, failure: networkFailure('ETIMEDOUT', address, 'timed out'), serverCertificate }), options.timeoutMs ?? 5000);
    socket.once('secureConnect', () => {
      serverCertificate = socket.getPeerCertificate(true);
      if (!socket.authorized) {
        const err = socket.authorizationError as Error & { code?: string };
        const code = (err as { code?: string }).code ?? String(err);
        return finish({ ok: false, serverCertificate, failure: serverCertificateRefused(code, String(err.message ?? err), { issuer: issuerOf(serverCertificate), trusted, names: NAMES_OF(serverCertificate) }) });
      }
      const identityError = material.serverId
        ? serverIdChecker(material.serverId)(name, serverCertificate)
        : checkServerIdentity(name, serverCertificate);
      if (identityError) {
        return finish({ ok: false, serverCertificate, failure: serverCertificateRefused((identityError as { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID', identityError.message, { names: NAMES_OF(serverCertificate) }) });
      }
      // With TLS 1.3 the server checks our certificate after we consider the handshake done;
      // its verdict is either an alert (error below) or its HTTP/2 SETTINGS frame (data).
      const protocol = socket.getProtocol();
      const alpn = socket.alpnProtocol;
      socket.once('data', () => finish({ ok: true, serverCertificate: serverCertificate!, protocol, alpn: alpn ?? false }));
      setTimeout(() => finish({ ok: true, serverCertificate: serverCertificate!, protocol, alpn: alpn ?? false }), options.settleMs ?? 1000).unref();
    });
    socket.once('error', (err: Error & { code?: string }) => {
      if (err.code && /^E[A-Z]+$/.test(err.code) && !serverCertificate && !alertName(err.message)) {
        return finish({ ok: false, failure: networkFailure(err.code, address, err.message) });
      }
      return finish({ ok: false, serverCertificate, failure: clientCertificateRefused(alertName(err.message) ?? '', err.message) });
    });
    // Node servers verify a TLS 1.3 client certificate after the handshake and just close the
    // socket, with no alert: work out from our own certificate what the server most likely saw.
    socket.once('close', () => finish({ ok: false, serverCertificate, failure: silentRefusal(material.certPem) }));
  });
}

function silentRefusal(certPem?: string): TlsFailure {
  if (!certPem) return clientCertificateRefused('certificate required', 'connection closed');
  const cert = new X509Certificate(certPem);
  const now = Date.now();
  if (now > Date.parse(cert.validTo) || now < Date.parse(cert.validFrom)) return clientCertificateRefused('certificate expired', '');
  if (cert.keyUsage !== undefined && !cert.keyUsage.includes('1.3.6.1.5.5.7.3.2')) return clientCertificateRefused('unsupported certificate', '');
  if (cert.subject === cert.issuer && cert.verify(cert.publicKey)) {
    return {
      side: 'server',
      code: 'unknown ca',
      reason: `the server refused your certificate: it is self-signed ("${cert.subject.replace(/\n/g, ', ')}"), so no CA the server trusts vouches for it`,
      fix: "get a certificate signed by the server's client CA: certrpc cert issue NAME --client, or certrpc cert sign your.csr",
    };
  }
  const refused = clientCertificateRefused('unknown ca', '');
  return { ...refused, reason: `the server refused your certificate (issued by "${cert.issuer.replace(/\n/g, ', ')}"): it does not trust that CA, or the certificate is revoked` };
}

function issuerOf(cert?: PeerCertificate): string | undefined {
  if (!cert?.issuer) return undefined;
  return Object.entries(cert.issuer).map(([k, v]) => `${k}=${v}`).join(', ');
}

function safeSubjects(caPem: string): string {
  try {
    return parseCertificateBundle(caPem).map((c: X509Certificate) => c.subject.replace(/\n/g, ', ')).join('; ');
  } catch {
    return 'an unreadable CA bundle';
  }
}
