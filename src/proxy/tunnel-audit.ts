// One audit line per tunnel event, as JSON (pino): who (CN, serial, SPIFFE ID, roles, address),
// where to (the canonical target, what the client asked for, the addresses decided on), the
// decision and the rule, and at the end the bytes each way, how long it lasted and why it ended.
// Never what went through: the proxy cannot read it anyway (end-to-end TLS inside the tunnel).
import type { Logger } from '../log/logger';
import { describeIdentity, PeerIdentity } from '../gate/peer-identity';

export interface TunnelParty {
  identity: PeerIdentity;
  /** The client's address, "ip:port". */
  peer: string;
  roles: readonly string[];
}

/** Where a tunnel goes and on what it was decided. */
export interface TunnelWhere {
  /** The canonical target, "host:port" (what rules were matched against). */
  target: string;
  /** The request-target as the client sent it (bounded), when it differs. */
  requested?: string;
  rule?: string;
  /** The addresses the decision was made on; the one connected to. */
  resolved?: readonly string[];
  address?: string;
}

/** Why a tunnel ended: one side closed it, an error, or the proxy cut it. */
export type TunnelEnd = 'client_closed' | 'target_closed' | 'error' | 'revoked' | 'policy_changed' | 'proxy_shutdown';

function who(p: TunnelParty) {
  return {
    caller: describeIdentity(p.identity),
    cn: p.identity.commonName || undefined,
    serial: p.identity.serial,
    issuer: p.identity.issuer,
    spiffeId: p.identity.spiffeId,
    roles: p.roles,
    peer: p.peer,
  };
}

function where(w: TunnelWhere) {
  return {
    target: w.target,
    requested: w.requested === w.target ? undefined : w.requested?.slice(0, 300),
    rule: w.rule,
    resolved: w.resolved,
    address: w.address,
  };
}

export class TunnelAudit {
  constructor(private readonly logger: Logger) {}

  refused(p: TunnelParty, w: TunnelWhere, status: number, reason: string): void {
    this.logger.warn(
      { event: 'tunnel_refused', ...who(p), ...where(w), decision: 'deny', status, reason },
      `tunnel ${describeIdentity(p.identity)} -> ${w.target} refused (${status}): ${reason}`,
    );
  }

  /** Allowed, but the target could not be reached (the client got 502/504). */
  failed(p: TunnelParty, w: TunnelWhere, status: number, reason: string): void {
    this.logger.warn(
      { event: 'tunnel_failed', ...who(p), ...where(w), decision: 'allow', status, reason },
      `tunnel ${describeIdentity(p.identity)} -> ${w.target} failed (${status}): ${reason}`,
    );
  }

  opened(p: TunnelParty, w: TunnelWhere): void {
    this.logger.info(
      { event: 'tunnel_opened', ...who(p), ...where(w), decision: 'allow' },
      `tunnel ${describeIdentity(p.identity)} -> ${w.target} (${w.address}) opened (rule "${w.rule}")`,
    );
  }

  closed(
    p: TunnelParty,
    w: TunnelWhere,
    stats: { bytesUp: number; bytesDown: number; durationMs: number; reason: TunnelEnd; details?: string; error?: string },
  ): void {
    const why = stats.details ?? stats.error;
    const line = { event: 'tunnel_closed', ...who(p), ...where(w), decision: 'allow', ...stats };
    const text = `tunnel ${describeIdentity(p.identity)} -> ${w.target} closed (${stats.reason}): ${stats.bytesUp} bytes up, ${stats.bytesDown} bytes down, ${(stats.durationMs / 1000).toFixed(1)} s${why ? ` (${why})` : ''}`;
    // A tunnel the proxy cut is a security event; one that ended by itself is routine.
    if (stats.reason === 'revoked' || stats.reason === 'policy_changed') this.logger.warn(line, text);
    else this.logger.info(line, text);
  }
}
