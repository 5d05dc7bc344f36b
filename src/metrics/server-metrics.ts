// A server's Prometheus metrics, in a Registry of its own (never prom-client's global one, so two
// servers in one process, or an application's own metrics, never collide). createServer() feeds
// it: the call gate reports decisions and call ends, the TLS listener refused handshakes, and
// the gauges read the server's state when scraped.
import { status as Status } from '@grpc/grpc-js';
import type { Counter, Histogram, Registry } from 'prom-client';
import type * as PromClient from 'prom-client';
import { DECISION } from '../authz/authorization-stage';
import type { CallContext, CallEndObserver, CallObserver } from '../gate/call-context';
import type { RefusedHandshake } from '../tls/refusal-reasons';
import { CertificateExpiry } from './certificate-expiry';

/** The live state the gauges read at scrape time. */
export interface ServerState {
  openConnections(): Promise<number>;
  callsInFlight(): number;
  serving(): boolean;
  certificates(): CertificateExpiry[];
}

export interface ServerMetricsOptions {
  /** Node process metrics (RSS, CPU, event loop lag, GC) in the same registry; default true. */
  processMetrics?: boolean;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** "OK", "PERMISSION_DENIED"...: the names Prometheus users know from grpc_code labels. */
export function codeName(code: number): string {
  return Status[code] ?? String(code);
}

/** One label for the caller's roles: "admin,reader", or "none". */
export function roleLabel(ctx: CallContext): string {
  const roles = ctx.caller?.roles ?? [];
  return roles.length === 0 ? 'none' : [...roles].sort().join(',');
}

export class ServerMetrics {
  readonly registry: Registry;
  private state?: ServerState;
  private readonly calls: Counter<'method' | 'code' | 'role'>;
  private readonly latency: Histogram<'method' | 'code'>;
  private readonly decisions: Counter<'decision' | 'rule' | 'reason'>;
  private readonly refusals: Counter<'reason'>;
  private readonly pingViolations: Counter;

  constructor(options: ServerMetricsOptions = {}) {
    // prom-client loads when metrics are made, not with `certrpc/server`: a server keeps what it loads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const prom = require('prom-client') as typeof PromClient;
    this.registry = new prom.Registry();
    const registers = [this.registry];
    if (options.processMetrics !== false) prom.collectDefaultMetrics({ register: this.registry });
    this.calls = new prom.Counter({
      name: 'certrpc_calls_total',
      help: 'Calls ended, by method, gRPC status code and caller roles',
      labelNames: ['method', 'code', 'role'],
      registers,
    });
    this.latency = new prom.Histogram({
      name: 'certrpc_call_duration_seconds',
      help: 'Time from a call arriving to its status being sent',
      labelNames: ['method', 'code'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.decisions = new prom.Counter({
      name: 'certrpc_authz_decisions_total',
      help: 'Call gate decisions, by decision, the policy rule that decided ("none" when denied by default or by an earlier stage) and reason',
      labelNames: ['decision', 'rule', 'reason'],
      registers,
    });
    this.refusals = new prom.Counter({
      name: 'certrpc_handshakes_refused_total',
      help: 'Connections refused before any call, by reason (OpenSSL/Node code or certrpc limit)',
      labelNames: ['reason'],
      registers,
    });
    this.pingViolations = new prom.Counter({
      name: 'certrpc_ping_policy_violations_total',
      help: 'Connections closed for pinging too often (GOAWAY too_many_pings)',
      registers,
    });
    const state = () => this.state;
    new prom.Gauge({
      name: 'certrpc_open_connections',
      help: 'TCP connections open on the TLS port (handshaking or serving)',
      registers,
      async collect() {
        this.set((await state()?.openConnections()) ?? 0);
      },
    });
    new prom.Gauge({
      name: 'certrpc_calls_in_flight',
      help: 'Calls let through the gate and not yet ended',
      registers,
      collect() {
        this.set(state()?.callsInFlight() ?? 0);
      },
    });
    new prom.Gauge({
      name: 'certrpc_serving',
      help: '1 while the server reports SERVING, 0 while draining or stopped',
      registers,
      collect() {
        this.set(state()?.serving() ? 1 : 0);
      },
    });
    new prom.Gauge({
      name: 'certrpc_certificate_expiry_seconds',
      help: 'Seconds until a certificate expires (negative: expired); certificate="server" is the one presented, "client_ca" a CA trusted for clients',
      labelNames: ['certificate', 'subject', 'serial'],
      registers,
      collect() {
        // Rotation replaces certificates: drop the old series rather than report them forever.
        this.reset();
        for (const c of state()?.certificates() ?? [])
          this.set({ certificate: c.certificate, subject: c.subject, serial: c.serial }, c.secondsLeft);
      },
    });
  }

  /** Called by createServer once: the gauges read from here. */
  attach(state: ServerState): void {
    this.state = state;
  }

  /** A CallObserver: one decision per call the gate sees. */
  readonly decisionObserver: CallObserver = (ctx, rejection) => {
    // The authorization stage's decision, when it ran (a rejection by an earlier stage has none).
    const decision = ctx.values.get(DECISION);
    const reason = decision?.reason ?? (rejection ? `rejected:${codeName(rejection.code)}` : 'allowed');
    this.decisions.inc({ decision: rejection ? 'deny' : 'allow', rule: decision?.rule?.name ?? 'none', reason });
  };

  /** A CallEndObserver: status and latency of every call, however it ended. */
  readonly endObserver: CallEndObserver = (ctx, end) => {
    const code = codeName(end.code);
    this.calls.inc({ method: ctx.method, code, role: roleLabel(ctx) });
    this.latency.observe({ method: ctx.method, code }, end.durationMs / 1000);
  };

  readonly refusedHandshake = (refusal: RefusedHandshake): void => {
    this.refusals.inc({ reason: refusal.code });
  };

  readonly pingViolation = (): void => {
    this.pingViolations.inc();
  };

  /** The exposition text (what /metrics serves). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
