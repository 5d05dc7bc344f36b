// certrpc's mTLS CONNECT proxy. A client proves who it is with its certificate (the same listener,
// trust and CRL rules as a certrpc server), asks `CONNECT host:port`, the policy's connect rules
// decide by the caller's roles, and an allowed tunnel splices bytes. The client then speaks mutual
// TLS with the real server through the tunnel, so the proxy never sees a call, only bytes.
import { createServer as createHttpServer, IncomingMessage, Server as HttpServer } from 'node:http';
import { connect as tcpConnect, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ConnectDecision, ConnectTarget, formatTarget, parseConnectTarget } from '../authz/connect-rules';
import { IdentityCache, PeerIdentity } from '../authz/identity';
import { Logger, silentLogger } from '../log/logger';
import { ListenerLimits, MtlsListener, TlsMaterial } from '../tls/mtls-listener';
import { RefusalLog, RefusalLogLimits } from '../tls/refusal-log';
import { handshakeRefusalAnswer, ProxyErrorType, refusalResponse, TUNNEL_ESTABLISHED } from './proxy-answers';
import { TunnelAudit, TunnelParty } from './tunnel-audit';

/** Decides one tunnel: the caller's identity and the target it asked for. */
export type ConnectAuthorizer = (identity: PeerIdentity, target: ConnectTarget) => ConnectDecision;

export interface ConnectProxyOptions {
  /** The proxy's certificate and key, the client CAs it trusts, and optionally a CRL. */
  tls: TlsMaterial;
  limits?: ListenerLimits;
  authorize: ConnectAuthorizer;
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
  private readonly tunnels = new Set<Duplex>();

  constructor(private readonly options: ConnectProxyOptions) {
    this.logger = options.logger ?? silentLogger;
    this.refusals = new RefusalLog(this.logger, options.refusalLog);
    this.audit = new TunnelAudit(this.logger);
    this.listener = new MtlsListener(options.tls, options.limits, PROTOCOL);
    this.listener.on('refused', this.refusals.record);
    // Node's HTTP parser reads the CONNECT request; it never listens itself: verified TLS sockets
    // are handed to it, the documented way to inject connections.
    this.http = createHttpServer({ requestTimeout: 10_000, headersTimeout: 10_000 });
    this.http.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onConnect(req, socket as TLSSocket, head));
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

  /** New certificate, trust or CRL for connections made from now on. */
  updateTls(material: TlsMaterial): void {
    this.listener.update(material);
  }

  /** Open tunnels right now. */
  get tunnelCount(): number {
    return this.tunnels.size;
  }

  /** Stops accepting; open tunnels get graceMs to finish, then are cut. */
  async close(graceMs = 5000): Promise<void> {
    const closed = this.listener.close();
    // Connections that never asked for a tunnel have nothing to finish.
    this.http.closeIdleConnections();
    const timer = setTimeout(() => {
      this.http.closeAllConnections();
      this.tunnels.forEach((t) => t.destroy());
    }, graceMs);
    timer.unref();
    await closed;
    clearTimeout(timer);
    this.refusals.close();
  }

  private onConnect(req: IncomingMessage, socket: TLSSocket, head: Buffer): void {
    socket.on('error', () => undefined);
    const identity = this.identities.get(socket.getPeerCertificate());
    const party: TunnelParty = { identity, peer: `${socket.remoteAddress}:${socket.remotePort}`, roles: [] };
    const requested = req.url ?? '';
    const target = parseConnectTarget(requested);
    if ('problem' in target) {
      const reason = `bad CONNECT target: ${target.problem}; ask for HOST:PORT, e.g. CONNECT 10.0.0.5:50051`;
      this.audit.refused(party, requested, 400, reason);
      return void socket.end(refusalResponse(400, 'http_request_error', reason));
    }
    const where = formatTarget(target);
    let decision: ConnectDecision;
    try {
      decision = this.options.authorize(identity, target);
    } catch (err) {
      const reason = `the proxy could not decide: ${(err as Error).message}`;
      this.audit.refused(party, where, 500, reason);
      return void socket.end(refusalResponse(500, 'proxy_internal_error', reason));
    }
    party.roles = decision.roles;
    if (!decision.allowed) {
      this.audit.refused(party, where, 403, decision.reason, decision.rule);
      return void socket.end(refusalResponse(403, 'http_request_denied', decision.reason));
    }
    this.open(party, target, where, socket, head, decision.rule);
  }

  private open(party: TunnelParty, target: ConnectTarget, where: string, client: TLSSocket, head: Buffer, rule?: string): void {
    const started = Date.now();
    const upstream = tcpConnect({ host: target.host, port: target.port });
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    upstream.setTimeout(timeoutMs, () => upstream.destroy(Object.assign(new Error(`no connection to ${where} within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
    let connected = false;
    upstream.once('error', (err: NodeJS.ErrnoException) => {
      if (connected || client.destroyed) return;
      const [status, type] = upstreamFailure(err.code);
      const reason = `could not reach ${where}: ${err.message}`;
      this.audit.failed(party, where, status, reason, rule);
      client.end(refusalResponse(status, type, reason));
    });
    upstream.once('connect', () => {
      connected = true;
      upstream.setTimeout(0);
      upstream.setNoDelay(true);
      this.splice(party, where, client, upstream, head, started, rule);
    });
    client.once('close', () => {
      if (!connected) upstream.destroy();
    });
  }

  private splice(party: TunnelParty, where: string, client: TLSSocket, upstream: Socket, head: Buffer, started: number, rule?: string): void {
    this.tunnels.add(client);
    this.audit.opened(party, where, rule);
    client.write(TUNNEL_ESTABLISHED);
    if (head.length > 0) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    let error: string | undefined;
    let open = 2;
    const closed = () => {
      if (--open > 0) return;
      this.tunnels.delete(client);
      this.audit.closed(party, where, { bytesUp: upstream.bytesWritten, bytesDown: upstream.bytesRead, durationMs: Date.now() - started, error }, rule);
    };
    // A side that is gone takes the other with it; a clean end travels through pipe() as an end.
    upstream.on('error', (err) => {
      error ??= `target: ${err.message}`;
      client.destroy();
    });
    client.on('error', (err) => {
      error ??= `client: ${err.message}`;
      upstream.destroy();
    });
    client.once('close', () => {
      upstream.destroy();
      closed();
    });
    upstream.once('close', () => {
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
