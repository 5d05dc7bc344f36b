// certrpc terminates TLS itself and hands verified connections to grpc-js.
//
// Why not grpc-js's own listener (ServerCredentials.createSsl(ca, pairs, true))? It refuses the
// same peers, but a refused peer vanishes without a trace: no hook says why, there is no CRL
// option, no handshake timeout, no connection cap, and reloading needs internal APIs. Here the
// policy is identical (request a certificate, trust only the given CA bundle, let no unverified
// peer through), and grpc-js gets each verified socket through its public
// Server.createConnectionInjector(), so interceptors still see it via getAuthContext().
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { createSecureContext, createServer, SecureContextOptions, Server, TLSSocket } from 'node:tls';
import { HandshakeGuard } from './handshake-guard';
import { peerOf } from './peer-address';
import { RefusedHandshake, refusalReason } from './refusal-reasons';
import { pinPeerCertificate } from './pinned-peer-certificate';
import { crlPemBlocks } from '../pki/pem';
import { recordIssuingCa } from '../gate/issuing-ca';
import { TrustedIssuers } from './trusted-issuers';
import { normalizeSerial } from '../pki/serial';
import { distinguishedNameText } from '../pki/distinguished-name';

export interface TlsMaterial {
  /** PEM bundle of the CAs whose client certificates are accepted. Never Node's public store. */
  clientCaPem: string;
  certPem: string;
  keyPem: string;
  /** PEM CRL(s), one per CA: certificates listed are refused at the handshake. */
  crlPem?: string;
  /**
   * CRLs of CAs certrpc cannot check itself (an intermediate outside our own chain): for OpenSSL
   * only, which verifies each against the chain a peer sends. Never used to revoke by serial.
   */
  foreignCrlPem?: string;
}

export interface ListenerLimits {
  /** A peer that has not finished the handshake this long after connecting is dropped (Node's default is 120 s, reset by every byte). */
  handshakeTimeoutMs?: number;
  /** A peer that has sent no byte this long after connecting is dropped. */
  helloTimeoutMs?: number;
  /** Connections beyond this are closed at once. */
  maxConnections?: number;
  /** Handshakes in progress from one address beyond this are closed at once. */
  maxHandshakesPerAddress?: number;
}

export const DEFAULT_LIMITS: Required<ListenerLimits> = {
  handshakeTimeoutMs: 10_000,
  helloTimeoutMs: 3_000,
  maxConnections: 1_000,
  maxHandshakesPerAddress: 32,
};

/**
 * Set on a raw socket at accept: its address (a reset socket forgets it; kept as read, the text is
 * made only for a refusal) and whether the guard refused it.
 */
const ACCEPTED = Symbol('certrpc.accepted');
type AcceptedSocket = Socket & { [ACCEPTED]?: { remoteAddress?: string; remotePort?: number; refused: boolean } };

/**
 * The raw TCP socket under a server-side TLS socket: Node keeps it as `_parent` (not public API;
 * mtls-listener.test.ts fails if a Node upgrade takes it away, as the handshake guard would then
 * drop admitted connections at their handshake deadline).
 */
function rawOf(socket: TLSSocket | undefined): AcceptedSocket | undefined {
  return (socket as unknown as { _parent?: AcceptedSocket } | undefined)?._parent;
}

/** What the listener speaks once TLS is up: gRPC over HTTP/2 (the default), or HTTP/1.1 for the CONNECT proxy. */
export interface ListenerProtocol {
  /** ALPN protocols offered, in preference order. */
  alpn: string[];
  /** The ALPN protocol a peer must negotiate (gRPC: h2); undefined accepts any, or none. */
  requiredAlpn?: string;
  /** Last words to a refused peer before the connection closes (the proxy answers HTTP 407/403); default: just close. */
  farewell?: (refusal: RefusedHandshake) => string | undefined;
}

export const GRPC_PROTOCOL: ListenerProtocol = { alpn: ['h2'], requiredAlpn: 'h2' };

function contextOptions(m: TlsMaterial): SecureContextOptions {
  // One string per CRL: given a string, Node loads only its first CRL, and OpenSSL then refuses every
  // client of the other CAs (UNABLE_TO_GET_CRL) once crl_check is on.
  const crls = [...crlPemBlocks(m.crlPem), ...crlPemBlocks(m.foreignCrlPem)];
  return { ca: m.clientCaPem, cert: m.certPem, key: m.keyPem, ...(crls.length > 0 ? { crl: crls } : {}), minVersion: 'TLSv1.2' };
}

export interface MtlsListenerEvents {
  refused: [RefusedHandshake];
  connection: [TLSSocket];
}

export class MtlsListener extends EventEmitter<MtlsListenerEvents> {
  private readonly server: Server;
  private readonly guard: HandshakeGuard;
  /** The client CAs in force, to tell which one signed each accepted certificate (policies may bind roles to it). */
  private issuers: TrustedIssuers;

  constructor(
    material: TlsMaterial,
    limits: ListenerLimits = {},
    private readonly protocol: ListenerProtocol = GRPC_PROTOCOL,
    /**
     * Admit connections that present no certificate at all (never one that presents a bad one): for
     * a server with methods a host without an identity may call (the CA's Enroll). The call gate
     * refuses every other method on such a connection.
     */
    private readonly admitWithoutCertificate = false,
  ) {
    super();
    const { handshakeTimeoutMs, helloTimeoutMs, maxConnections, maxHandshakesPerAddress } = { ...DEFAULT_LIMITS, ...limits };
    // Validate the material now, so a bad key fails at start, not at the first handshake.
    createSecureContext(contextOptions(material));
    this.issuers = new TrustedIssuers(material.clientCaPem);
    this.server = createServer({
      ...contextOptions(material),
      requestCert: true,
      // Verified below, where the reason can still be read and logged; nothing unverified passes.
      rejectUnauthorized: false,
      ALPNProtocols: protocol.alpn,
      handshakeTimeout: handshakeTimeoutMs,
    });
    this.server.maxConnections = maxConnections;
    // Node closes connections over the cap before any TLS byte; say so, like any other refusal.
    this.server.on('drop', (peer) =>
      this.emit('refused', { peer: peerOf(peer), code: 'TOO_MANY_CONNECTIONS', reason: refusalReason('TOO_MANY_CONNECTIONS') }),
    );
    this.guard = new HandshakeGuard({ helloTimeoutMs, handshakeTimeoutMs, maxHandshakesPerAddress }, (raw, code) => {
      const accepted = (raw as AcceptedSocket)[ACCEPTED];
      if (accepted) accepted.refused = true; // the hang-up this causes is not reported a second time
      this.emit('refused', { peer: peerOf(raw), code, reason: refusalReason(code) });
      raw.destroy();
    });
    // Runs after tls.Server's own 'connection' listener has wrapped the socket.
    this.server.on('connection', (raw: AcceptedSocket) => {
      raw[ACCEPTED] = { remoteAddress: raw.remoteAddress, remotePort: raw.remotePort, refused: false };
      this.guard.accepted(raw);
    });
    this.server.on('secureConnection', (socket) => {
      this.guard.settled(rawOf(socket));
      this.admit(socket);
    });
    this.server.on('tlsClientError', (err: Error & { code?: string }, socket) => {
      const raw = rawOf(socket);
      this.guard.settled(raw);
      const accepted = raw?.[ACCEPTED];
      if (accepted?.refused) return void socket?.destroy();
      // Node's own handshake timeout arrives here as ERR_TLS_HANDSHAKE_TIMEOUT; OpenSSL's errors and a hang-up carry a code too.
      const code = err.code ?? 'ERROR';
      const peer = socket?.remoteAddress !== undefined ? peerOf(socket) : peerOf(accepted);
      this.emit('refused', { peer, code, reason: refusalReason(code, err.message) });
      // Node reports a handshake timeout but leaves the socket open: a stalled peer would keep
      // its connection slot (maxConnections) and block close() forever.
      socket?.destroy();
    });
  }

  private admit(socket: TLSSocket): void {
    const cert = socket.getPeerCertificate();
    const presented = cert && Object.keys(cert).length > 0;
    const alpnOk = this.protocol.requiredAlpn === undefined || socket.alpnProtocol === this.protocol.requiredAlpn;
    // OpenSSL accepts a trusted CA certificate as a client's own (it chains to itself); it is no identity.
    const caAsIdentity = presented && cert.ca === true;
    const anonymous = !presented && this.admitWithoutCertificate;
    if (anonymous && alpnOk) {
      socket.on('error', () => undefined);
      socket.disableRenegotiation();
      this.emit('connection', socket);
      return;
    }
    if (!socket.authorized || !presented || !alpnOk || caAsIdentity) {
      const code = !presented
        ? 'NO_CERTIFICATE'
        : !socket.authorized
          ? String(socket.authorizationError)
          : caAsIdentity
            ? 'CA_CERT_AS_IDENTITY'
            : 'NO_ALPN_H2';
      const refusal: RefusedHandshake = {
        peer: peerOf(socket),
        code,
        reason: refusalReason(code),
        // Escaped: a presented CN "x, O=Trusted" must not read as two attributes in the log.
        subject: presented ? distinguishedNameText(cert.subject) : undefined,
        issuer: presented ? distinguishedNameText(cert.issuer) : undefined,
        // As identities print it (authz/identity.ts): lower-case hex without leading zeros.
        serial: presented && cert.serialNumber ? normalizeSerial(cert.serialNumber) : undefined,
      };
      this.emit('refused', refusal);
      const words = this.protocol.farewell?.(refusal);
      if (words === undefined) return void socket.destroy();
      // end() flushes the answer and closes; a peer that never reads does not hold the socket.
      socket.on('error', () => undefined);
      socket.setTimeout(5_000, () => socket.destroy());
      socket.end(words);
      return;
    }
    // OpenSSL does not look at a resumed session's certificate again: one that has expired since
    // the full handshake must not come back on a ticket (tickets live up to sessionTimeout, 300 s).
    if (socket.isSessionReused() && !(Date.parse(cert.valid_to) > Date.now())) {
      this.emit('refused', {
        peer: peerOf(socket),
        code: 'CERT_HAS_EXPIRED',
        reason: refusalReason('CERT_HAS_EXPIRED'),
        subject: distinguishedNameText(cert.subject),
        issuer: distinguishedNameText(cert.issuer),
        serial: normalizeSerial(cert.serialNumber),
      });
      return void socket.destroy();
    }
    // A connection's own errors (peer reset, etc.) are the session's business, not a crash.
    socket.on('error', () => undefined);
    const issuer = this.issuers.issuerOf(cert, () => socket.getPeerCertificate(true));
    if (issuer) recordIssuingCa(cert, issuer);
    // Every call asks for the peer certificate: answer with the one verified here (50 us a call saved).
    pinPeerCertificate(socket, cert);
    this.emit('connection', socket);
  }

  listen(host: string, port: number): Promise<{ host: string; port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve({ host, port: typeof address === 'object' && address ? address.port : port });
      });
    });
  }

  /**
   * New identity, trust or CRL for connections made from now on; open connections keep theirs.
   * Session tickets issued before are refused from now on (new ticket keys): OpenSSL resumes a
   * session without checking its certificate against the CRL or the trust bundle again, so a
   * certificate revoked (or a CA removed) by this update must meet them in a full handshake.
   */
  update(material: TlsMaterial): void {
    this.server.setSecureContext(contextOptions(material));
    this.server.setTicketKeys(randomBytes(48));
    this.issuers = new TrustedIssuers(material.clientCaPem);
  }

  /** The client CAs trusted now, as policies name them (subject as `cert inspect` prints it, SHA-256 fingerprint). */
  get trustedClientCas(): TrustedIssuers['cas'] {
    return this.issuers.cas;
  }

  /** Stops accepting; open connections are closed by their owner (grpc-js). */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  connectionCount(): Promise<number> {
    return new Promise((resolve) => this.server.getConnections((_err, n) => resolve(n ?? 0)));
  }
}
