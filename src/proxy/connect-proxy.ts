// certrpc's mTLS CONNECT proxy. A client proves who it is with its certificate (the same listener,
// trust and CRL rules as a certrpc server), asks `CONNECT host:port`, the policy's connect rules
// decide by the caller's roles on the canonical target (and on the addresses a name resolves to,
// looked up once), an allowed tunnel connects to exactly the decided addresses and splices bytes.
// The client then speaks mutual TLS with the real server through the tunnel, so the proxy never
// sees a call, only bytes. Open tunnels are decided again when the CRL or the policy changes.
import { createServer as createHttpServer, IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ConnectDecision, formatTarget, parseConnectTarget } from '../authz/connect-rules';
import { issuingCaOf } from '../gate/issuing-ca';
import { IdentityCache } from '../gate/peer-identity';
import { Logger, silentLogger } from '../log/logger';
import { ListenerLimits, MtlsListener, TlsMaterial } from '../tls/mtls-listener';
import { peerOf } from '../tls/peer-address';
import { RefusalLog, RefusalLogLimits } from '../tls/refusal-log';
import { handshakeRefusalAnswer, ProxyErrorType, refusalResponse, TUNNEL_ESTABLISHED } from './proxy-answers';
import { AddressLookup, decideWithLookup, systemLookup, TargetLookupError } from './target-lookup';
import { TunnelAudit, TunnelEnd, TunnelParty, TunnelWhere } from './tunnel-audit';
import { ConnectAuthorizer, TunnelBasis, TunnelCut, TunnelGuard } from './tunnel-guard';
import { connectUpstream } from './upstream-connect';

export type { ConnectAuthorizer } from './tunnel-guard';

export interface ConnectProxyOptions {
  /** The proxy's certificate and key, the client CAs it trusts, and optionally a CRL. */
  tls: TlsMaterial;
  limits?: ListenerLimits;
  /** The decision for one tunnel; called again for every open tunnel by reauthorize(). */
  authorize: ConnectAuthorizer;
  /** Resolves target names (once per CONNECT). Default: getaddrinfo, every address. */
  lookup?: AddressLookup;
  /** Operational log, refused handshakes (rate-limited) and the tunnel audit lines. */
  logger?: Logger;
  refusalLog?: RefusalLogLimits;
  /** How long connecting to a target may take before the client gets 504. */
  connectTimeoutMs?: number;
}

const PROTOCOL = { alpn: ['http/1.1'], farewell: handshakeRefusalAnswer };

export class ConnectProxy {
  private readonly listener: MtlsListener;
  private readonly http: HttpServer;
  private readonly logger: Logger;
  private readonly refusals: RefusalLog;
  private readonly audit: TunnelAudit;
  private readonly identities = new IdentityCache();
  private readonly guard: TunnelGuard;

  constructor(private readonly options: ConnectProxyOptions) {
    this.logger = options.logger ?? silentLogger;
    this.refusals = new RefusalLog(this.logger, options.refusalLog);
    this.audit = new TunnelAudit(this.logger);
    this.guard = new TunnelGuard(options.authorize, options.tls.crlPem);
    this.listener = new MtlsListener(options.tls, options.limits, PROTOCOL);
    this.listener.on('refused', this.refusals.record);
    // Node's HTTP parser reads the CONNECT request; it never listens itself: verified TLS sockets
    // are handed to it, the documented way to inject connections.
    this.http = createHttpServer({ requestTimeout: 10_000, headersTimeout: 10_000 });
    this.http.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const client = socket as TLSSocket;
      this.onConnect(req, client, head).catch((err: Error) =>
        this.answer(client, 500, 'proxy_internal_error', `the proxy failed: ${err.message}`),
      );
    });
    this.http.on('request', (_req, res) => {
      res.writeHead(405, { Allow: 'CONNECT', Connection: 'close', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('this is an mTLS CONNECT proxy: send CONNECT host:port\n');
    });
    this.http.on('clientError', (_err, socket: Duplex) => {
      if (socket.writable) socket.end(refusalResponse(400, 'http_request_error', 'malformed HTTP request'));
      else socket.destroy();
    });
    this.listener.on('connection', (socket) => this.http.emit('connection', socket));
  }

  /** Binds; port 0 picks a free port, returned here. */
  async listen(host = '127.0.0.1', port = 0): Promise<{ host: string; port: number }> {
    const address = await this.listener.listen(host, port);
    this.logger.info({ host, port: address.port }, 'proxy listening');
    return address;
  }

  /** New certificate, trust or CRL for connections made from now on; open tunnels of newly revoked certificates are cut. */
  updateTls(material: TlsMaterial): void {
    this.listener.update(material);
    // After the listener: a client cut off now cannot reconnect with the old CRL.
    this.logCuts(this.guard.updateCrl(material.crlPem), 'CRL');
  }

  /** Decides every open tunnel again (call it when the policy behind `authorize` changed); cuts the ones no longer allowed. */
  reauthorize(): number {
    return this.logCuts(this.guard.recheck(), 'policy');
  }

  /** Open tunnels right now. */
  get tunnelCount(): number {
    return this.guard.size;
  }

  /** Stops accepting; open tunnels get graceMs to finish, then are cut. */
  async close(graceMs = 5000): Promise<void> {
    const closed = this.listener.close();
    // Connections that never asked for a tunnel have nothing to finish.
    this.http.closeIdleConnections();
    const timer = setTimeout(() => {
      this.http.closeAllConnections();
      this.guard.cutAll({ reason: 'proxy_shutdown', details: `the proxy shut down (grace period ${graceMs / 1000} s over)` });
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
    this.refusals.close();
  }

  private logCuts(cut: number, what: string): number {
    if (cut > 0)
      this.logger.warn({ event: 'tunnels_cut', tunnels: cut, change: what }, `${what} change: cut ${cut} open tunnel(s) no longer allowed`);
    return cut;
  }

  private answer(client: Duplex, status: number, type: ProxyErrorType, reason: string): void {
    if (client.writable) client.end(refusalResponse(status, type, reason));
    else client.destroy();
  }

  private async onConnect(req: IncomingMessage, client: TLSSocket, head: Buffer): Promise<void> {
    client.on('error', () => undefined);
    const peer = client.getPeerCertificate();
    const identity = this.identities.get(peer, issuingCaOf(peer));
    const party: TunnelParty = { identity, peer: peerOf(client), roles: [] };
    const requested = req.url ?? '';
    const target = parseConnectTarget(requested);
    if ('problem' in target) {
      const reason = `bad CONNECT target: ${target.problem}; ask for HOST:PORT, e.g. CONNECT 10.0.0.5:50051`;
      this.audit.refused(party, { target: requested.slice(0, 300) }, 400, reason);
      return this.answer(client, 400, 'http_request_error', reason);
    }
    const where: TunnelWhere = { target: formatTarget(target), requested };
    const refuse = (status: number, type: ProxyErrorType, reason: string, audit: 'refused' | 'failed' = 'refused') => {
      this.audit[audit](party, where, status, reason);
      this.answer(client, status, type, reason);
    };
    // The TLS session may predate a revocation: the handshake check alone is not enough.
    const revocation = this.guard.revocationOf(identity, peer.raw);
    if (revocation) return refuse(403, 'http_request_denied', `this proxy refused your client certificate: it is revoked [CERT_REVOKED]`);
    const epoch = this.guard.epoch;
    let decision: ConnectDecision;
    try {
      decision = await decideWithLookup(
        (addresses) => this.options.authorize(identity, target, addresses),
        target,
        this.options.lookup ?? systemLookup,
      );
    } catch (err) {
      if (err instanceof TargetLookupError) return refuse(502, 'dns_error', `could not resolve ${target.host}: ${err.code}`, 'failed');
      return refuse(500, 'proxy_internal_error', `the proxy could not decide: ${(err as Error).message}`);
    }
    party.roles = decision.roles;
    Object.assign(where, { rule: decision.rule, resolved: decision.resolved });
    if (!decision.allowed) return refuse(403, 'http_request_denied', decision.reason);
    if (client.destroyed) return;
    const started = Date.now();
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const abort = new AbortController();
    const onGone = () => abort.abort();
    client.once('close', onGone);
    let upstream: Socket;
    try {
      const connected = await connectUpstream(decision.connectTo, target.port, timeoutMs, abort.signal);
      upstream = connected.socket;
      where.address = connected.address;
    } catch (err) {
      if (client.destroyed) return;
      const e = err as NodeJS.ErrnoException;
      const [status, type] = upstreamFailure(e.code);
      return refuse(status, type, `could not reach ${where.target}: ${e.message}`, 'failed');
    } finally {
      client.off('close', onGone);
    }
    const basis = { identity, certificate: peer.raw, target, resolved: decision.resolved, address: where.address };
    // The CRL or the policy changed while this tunnel was being set up: decide it again first.
    const late = epoch === this.guard.epoch ? undefined : this.guard.verdict(basis);
    if (late || client.destroyed) {
      upstream.destroy();
      if (late) refuse(403, 'http_request_denied', late.details);
      return;
    }
    this.splice(party, where, client, upstream, head, started, basis);
  }

  private splice(
    party: TunnelParty,
    where: TunnelWhere,
    client: TLSSocket,
    upstream: Socket,
    head: Buffer,
    started: number,
    basis: TunnelBasis,
  ): void {
    upstream.setNoDelay(true);
    let end: { reason: TunnelEnd; details?: string; error?: string } | undefined;
    const untrack = this.guard.track({
      ...basis,
      cut: (cut: TunnelCut) => {
        end ??= { reason: cut.reason, details: cut.details };
        client.destroy();
        upstream.destroy();
      },
    });
    this.audit.opened(party, where);
    client.write(TUNNEL_ESTABLISHED);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    let open = 2;
    const closed = () => {
      if (--open > 0) return;
      untrack();
      this.audit.closed(party, where, {
        bytesUp: upstream.bytesWritten,
        bytesDown: upstream.bytesRead,
        durationMs: Date.now() - started,
        ...(end ?? { reason: 'client_closed' }),
      });
    };
    // A side that is gone takes the other with it; a clean end travels through pipe() as an end.
    upstream.on('error', (err) => {
      end ??= { reason: 'error', error: `target: ${err.message}` };
      client.destroy();
    });
    client.on('error', (err) => {
      end ??= { reason: 'error', error: `client: ${err.message}` };
      upstream.destroy();
    });
    client.once('close', () => {
      end ??= { reason: 'client_closed' };
      upstream.destroy();
      closed();
    });
    upstream.once('close', () => {
      end ??= { reason: 'target_closed' };
      client.end();
      closed();
    });
  }
}

function upstreamFailure(code?: string): [number, ProxyErrorType] {
  switch (code) {
    case 'ENOTFOUND':
      return [502, 'dns_error'];
    case 'ECONNREFUSED':
      return [502, 'connection_refused'];
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return [502, 'destination_ip_unroutable'];
    case 'ETIMEDOUT':
      return [504, 'connection_timeout'];
    default:
      return [502, 'destination_not_found'];
  }
}
