// `cert inspect --server HOST:PORT`: the certificates a TLS server presents, read as they come.
// The handshake only reads: it verifies nothing (rejectUnauthorized: false) and trusts nothing (an
// EMPTY trust store, so Node cannot complete the chain from anywhere: what is listed was sent).
// The caller verifies what was read against the trust it chose; being read never makes it trusted.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { checkServerIdentity, connect, DetailedPeerCertificate } from 'node:tls';
import { parseAddress } from './address';
import { ConnectionError } from './connection-error';
import { alertName, networkFailure } from './failure-reasons';

export interface PresentedChain {
  address: string;
  /** The name the leaf was checked for: the SNI name given, else the host dialed. */
  name: string;
  /** TLS version, e.g. "TLSv1.3". */
  protocol: string | null;
  /** As the server sent them, leaf first, each followed by its issuer when the server sent that too. */
  certificates: X509Certificate[];
  /** Why the leaf is not valid for `name`, as a client checking it would say; undefined when it is. */
  nameMismatch?: string;
}

export function fetchPresentedChain(address: string, options: { servername?: string; timeoutMs?: number } = {}): Promise<PresentedChain> {
  const { host, port } = parseAddress(address);
  const name = options.servername ?? host;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      servername: isIP(name) ? undefined : name,
      ALPNProtocols: ['h2', 'http/1.1'],
      ca: [],
      rejectUnauthorized: false,
    });
    const fail = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new ConnectionError(networkFailure('ETIMEDOUT', address, 'timed out'))), options.timeoutMs ?? 5000);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = socket.getPeerCertificate(true);
      const protocol = socket.getProtocol();
      socket.destroy();
      if (!peer?.raw)
        return reject(
          new ConnectionError({
            side: 'server',
            code: 'NO_CERTIFICATE',
            reason: `${address} completed a TLS handshake without a certificate`,
            fix: 'check HOST:PORT',
          }),
        );
      resolve({ address, name, protocol, certificates: presented(peer), nameMismatch: checkServerIdentity(name, peer)?.message });
    });
    socket.once('error', (err: Error & { code?: string }) => {
      if (err.code && /^E[A-Z]+$/.test(err.code) && !alertName(err.message))
        return fail(new ConnectionError(networkFailure(err.code, address, err.message)));
      fail(
        new ConnectionError({
          side: 'server',
          code: alertName(err.message) ?? err.code ?? 'TLS_HANDSHAKE_FAILED',
          reason: `the TLS handshake with ${address} failed before it presented a certificate: ${err.message}`,
          fix: 'check that HOST:PORT is a TLS server (certrpc serve, or another gRPC/HTTPS server)',
        }),
      );
    });
  });
}

/** Node links each certificate to its issuer among those the server sent (a self-signed one to itself). */
function presented(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  for (let cert: DetailedPeerCertificate | undefined = peer; cert?.raw && chain.length < 10; cert = cert.issuerCertificate) {
    if (chain.some((c) => c.raw.equals(cert!.raw))) break;
    chain.push(new X509Certificate(cert.raw));
  }
  return chain;
}
