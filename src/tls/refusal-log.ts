// One log line per refused handshake, up to a limit per interval; beyond it, refusals are counted
// and summarised in one line when the interval ends. A scanner or a misconfigured client fleet
// retrying in a loop must not bury the log (or fill the disk), and the operator still sees how many,
// why and from where. The first refusal of each reason in an interval is always logged, so a flood
// of one kind (say, no certificate) never hides a different one (a revoked certificate).
import type { Logger } from '../log/logger';
import type { RefusedHandshake } from './refusal-reasons';

export interface RefusalLogLimits {
  /** Refusals logged one by one per interval; the rest are counted. */
  maxLinesPerInterval?: number;
  intervalMs?: number;
}

export const DEFAULT_REFUSAL_LOG_LIMITS: Required<RefusalLogLimits> = { maxLinesPerInterval: 20, intervalMs: 10_000 };

/** Distinct peer addresses remembered per interval for the summary; a flood from many addresses stays bounded. */
const MAX_TRACKED_PEERS = 1_000;
const TOP_PEERS = 5;

/** The one-line text of a refusal: who, why in words, the OpenSSL/Node code and what was presented. */
export function describeRefusal(r: RefusedHandshake): string {
  const presented = r.subject ? `presented "${r.subject}"${r.issuer ? ` issued by "${r.issuer}"` : ''}` : 'no certificate presented';
  return `refused handshake from ${r.peer}: ${r.reason} [${r.code}]; ${presented}`;
}

export class RefusalLog {
  private readonly limits: Required<RefusalLogLimits>;
  private windowStart = -Infinity;
  private loggedInWindow = 0;
  private codesInWindow = new Set<string>();
  private suppressed = 0;
  private byCode = new Map<string, { count: number; reason: string }>();
  private byPeer = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly logger: Logger,
    limits: RefusalLogLimits = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { ...DEFAULT_REFUSAL_LOG_LIMITS, ...limits };
  }

  /** Bound, so it can be passed as a listener: `listener.on('refused', log.record)`. */
  readonly record = (refusal: RefusedHandshake): void => {
    const t = this.now();
    if (t - this.windowStart >= this.limits.intervalMs) {
      this.flush();
      this.windowStart = t;
      this.loggedInWindow = 0;
      this.codesInWindow = new Set();
    }
    const newReason = !this.codesInWindow.has(refusal.code);
    if (this.loggedInWindow < this.limits.maxLinesPerInterval || newReason) {
      this.loggedInWindow++;
      this.codesInWindow.add(refusal.code);
      this.logger.warn({ event: 'handshake_refused', ...refusal }, describeRefusal(refusal));
      return;
    }
    this.count(refusal);
    // Summarise when the interval ends even if the flood stops now; never keep the process alive.
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.windowStart + this.limits.intervalMs - t)).unref();
  };

  /** Logs the summary of what was suppressed so far, if anything. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suppressed === 0) return;
    const byCode = [...this.byCode.entries()].sort((a, b) => b[1].count - a[1].count);
    const peers = [...this.byPeer.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_PEERS);
    const seconds = Math.round(this.limits.intervalMs / 1000);
    this.logger.warn(
      {
        event: 'handshake_refusals_suppressed',
        suppressed: this.suppressed,
        intervalMs: this.limits.intervalMs,
        byCode: Object.fromEntries(byCode.map(([code, v]) => [code, v.count])),
        topPeers: Object.fromEntries(peers),
      },
      `suppressed ${this.suppressed} refused handshakes (more than ${this.limits.maxLinesPerInterval} in ${seconds} s; the first of each reason was logged): by reason ` +
        byCode.map(([code, v]) => `${v.count} ${code} (${v.reason})`).join(', ') +
        `; top peers ${peers.map(([p, n]) => `${p} (${n})`).join(', ')}`,
    );
    this.suppressed = 0;
    this.byCode = new Map();
    this.byPeer = new Map();
  }

  /** Flushes the pending summary; call on shutdown so no count is lost. */
  close(): void {
    this.flush();
  }

  private count(r: RefusedHandshake): void {
    this.suppressed++;
    const entry = this.byCode.get(r.code);
    if (entry) entry.count++;
    else this.byCode.set(r.code, { count: 1, reason: r.reason });
    // By address without the port: a flood comes from few hosts on many ports.
    const host = r.peer.replace(/:\d+$/, '');
    if (this.byPeer.has(host) || this.byPeer.size < MAX_TRACKED_PEERS) this.byPeer.set(host, (this.byPeer.get(host) ?? 0) + 1);
  }
}
