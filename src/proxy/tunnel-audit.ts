// One audit line per tunnel event, as JSON (pino): who (CN, serial, SPIFFE ID, roles, address),
// where to, the decision and the rule, and at the end the bytes each way and how long it lasted.
// Never what went through: the proxy cannot read it anyway (end-to-end TLS inside the tunnel).
import type { Logger } from '../log/logger';
import { describeIdentity, PeerIdentity } from '../authz/identity';

export interface TunnelParty {
  identity: PeerIdentity;
  /** The client's address, "ip:port". */
  peer: string;
  roles: readonly string[];
}

function who(p: TunnelParty) {
  return { caller: describeIdentity(p.identity), cn: p.identity.commonName || undefined, serial: p.identity.serial, spiffeId: p.identity.spiffeId, roles: p.roles, peer: p.peer };
}

export class TunnelAudit {
  constructor(private readonly logger: Logger) {}

  refused(p: TunnelParty, target: string, status: number, reason: string, rule?: string): void {
    this.logger.warn({ event: 'tunnel_refused', ...who(p), target, decision: 'deny', status, rule, reason }, `tunnel ${describeIdentity(p.identity)} -> ${target} refused (${status}): ${reason}`);
  }

  /** Allowed, but the target could not be reached (the client got 502/504). */
  failed(p: TunnelParty, target: string, status: number, reason: string, rule?: string): void {
    this.logger.warn({ event: 'tunnel_failed', ...who(p), target, decision: 'allow', status, rule, reason }, `tunnel ${describeIdentity(p.identity)} -> ${target} failed (${status}): ${reason}`);
  }

  opened(p: TunnelParty, target: string, rule?: string): void {
    this.logger.info({ event: 'tunnel_opened', ...who(p), target, decision: 'allow', rule }, `tunnel ${describeIdentity(p.identity)} -> ${target} opened (rule "${rule}")`);
  }

  closed(p: TunnelParty, target: string, stats: { bytesUp: number; bytesDown: number; durationMs: number; error?: string }, rule?: string): void {
    this.logger.info(
      { event: 'tunnel_closed', ...who(p), target, decision: 'allow', rule, ...stats },
      `tunnel ${describeIdentity(p.identity)} -> ${target} closed: ${stats.bytesUp} bytes up, ${stats.bytesDown} bytes down, ${(stats.durationMs / 1000).toFixed(1)} s${stats.error ? ` (${stats.error})` : ''}`,
    );
  }
}
