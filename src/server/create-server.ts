import {
  ConnectionInjector,
  Server,
  ServerCredentials,
  ServerInterceptor,
  ServerOptions,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Authorization } from '../authz/authorization';
import type { CompiledPolicy } from '../authz/compiled-policy';
import { IdentityService as GeneratedIdentityService, WhoAmIResponse } from '../gen/certrpc/v1/identity';
import { Logger, silentLogger } from '../log/logger';
import type { ServerMetrics } from '../metrics/server-metrics';
import { refuseCaAsIdentity } from '../pki/ca-as-identity';
import { certificateExpiries } from '../metrics/certificate-expiry';
import { MtlsListener, TlsMaterial } from '../tls/mtls-listener';
import { RefusedHandshake } from '../tls/refusal-reasons';
import { RefusalLog, RefusalLogLimits } from '../tls/refusal-log';
import { CallEndObserver, CallObserver, CallStage } from '../gate/call-context';
import { CertrpcInterceptor, createInterceptor, InterceptorOptions } from './create-interceptor';
import { CallsInFlight } from './calls-in-flight';
import { StopReport, stopGracefully } from './graceful-stop';
import { createHookedInjector } from './http2-session-hook';
import { grpcOptionsOf, listenerLimitsOf, resolveLimits, ServerLimits } from './limits';
import { enforcePingPolicy } from './ping-policy';
import { identityService } from './identity-service';
import { RevocationEnforcer, RevocationEnforcerOptions } from './revocation-enforcer';
import type { ServerHealth } from './health';
import type { ReflectionOptions } from './reflection';
import { addStandardServices } from './standard-services';
import { withReusingSerializers } from './message-codec';

const IdentityService = withReusingSerializers(GeneratedIdentityService, { whoAmI: WhoAmIResponse });

export interface ServiceRegistration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: ServiceDefinition<any>;
  implementation: UntypedServiceImplementation;
}

export interface CreateServerOptions {
  /** The server's certificate and key, the CAs its clients must chain to, and optionally a CRL. */
  tls: TlsMaterial;
  /** Message, metadata, stream, connection, handshake, idle and ping limits; see limits.ts (docs/LIMITS.md) for the defaults. */
  limits?: Partial<ServerLimits>;
  /** Prometheus metrics to feed (serve them with startMetricsEndpoint); none by default. */
  metrics?: ServerMetrics;
  services: ServiceRegistration[];
  /** certrpc YAML or gRFC A43 JSON, hot-reloaded. With no policy at all, every call but health and WhoAmI is denied. */
  policyFile?: string;
  /** A compiled policy, fixed: loadPolicyFile(...), or allowAllAuthenticated() to admit every authenticated caller. */
  policy?: CompiledPolicy;
  /** Overrides the policy's audit settings (policyFile/policy only). */
  audit?: InterceptorOptions['audit'];
  /**
   * An authorization() you made yourself, instead of policyFile/policy/audit: its stage, its audit
   * log; it is told the trusted client CAs (at start and on updateTls) to warn when principals are
   * not bound to an issuer while several client CAs are trusted. You close it.
   */
  authorization?: Authorization;
  /** Checks run after identity, revocation and limits, in order, before authorization. */
  stages?: CallStage[];
  /** Told of every decision (audit log, metrics). */
  observers?: CallObserver[];
  /** Told how every call ended (status, latency), whatever ended it. */
  endObservers?: CallEndObserver[];
  /** grpc-js server interceptors of your own: they run after certrpc's gate, so they only see calls it let through. */
  interceptors?: ServerInterceptor[];
  logger?: Logger;
  /** Further grpc-js options; they win over the ones `limits` sets. Their interceptors run after certrpc's gate. */
  grpcOptions?: ServerOptions;
  /** Told of every refused handshake (the default logs it as a warning, rate-limited: see refusalLog). */
  onRefusedHandshake?: (refusal: RefusedHandshake) => void;
  /** Limits of the default refused-handshake log: lines per interval before refusals are only counted. */
  refusalLog?: RefusalLogLimits;
  /** gRPC server reflection, on by default; false turns it off, an object adds your protos' schema. */
  reflection?: boolean | ReflectionOptions;
  /** What happens to a revoked client's open connections (see tls.crlPem and updateTls). */
  revocation?: RevocationEnforcerOptions;
  /**
   * Methods ("/pkg.Service/Method") a peer may call over TLS without a client certificate (the CA's
   * Enroll: a host that has no identity yet). The listener then admits connections that present
   * none (a presented certificate must still verify); on them every other method is refused
   * UNAUTHENTICATED, and these run with no caller and without the stages that judge one
   * (revocation, `stages`, authorization): callerOf() throws, and the handler must authorize the
   * call itself. Observers (the audit log) see them with no identity.
   */
  anonymousMethods?: string[];
}

export interface ListeningAddress {
  host: string;
  port: number;
}

/** A grpc-js Server behind certrpc's gate: mutual TLS, then identity and the given stages, then handlers. */
export class CertrpcServer {
  readonly grpc: Server;
  readonly logger: Logger;
  /** grpc.health.v1.Health statuses: set NOT_SERVING before draining. */
  readonly health: ServerHealth;
  private readonly listener: MtlsListener;
  private refusals?: RefusalLog;
  private injector?: ConnectionInjector;
  private address?: ListeningAddress;
  /** Revoked certificates (tls.crlPem): their calls are refused and their open streams ended. */
  readonly revocation: RevocationEnforcer;
  private readonly shutdownHooks: (() => void)[] = [];
  /** The limits in force: the defaults with options.limits over them. */
  readonly limits: ServerLimits;
  private readonly inFlight: CallsInFlight;
  private readonly metrics?: ServerMetrics;
  private material: TlsMaterial;
  /** certrpc's gate: identity, limits, revocation, your stages, authorization, observers. */
  readonly interceptor: CertrpcInterceptor;

  constructor(options: CreateServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.limits = resolveLimits(options.limits);
    this.material = options.tls;
    this.metrics = options.metrics;
    refuseCaAsIdentity(options.tls.certPem);
    const anonymousMethods = options.anonymousMethods ?? [];
    this.listener = new MtlsListener(options.tls, listenerLimitsOf(this.limits), undefined, anonymousMethods.length > 0);
    this.revocation = new RevocationEnforcer(options.tls.crlPem, this.logger, options.revocation);
    this.listener.on('connection', (socket) => this.revocation.trackConnection(socket));
    this.interceptor = createInterceptor({
      policyFile: options.policyFile,
      policy: options.policy,
      audit: options.audit,
      authorization: options.authorization,
      revocation: this.revocation,
      maxMetadataBytes: this.limits.maxMetadataBytes,
      metrics: this.metrics,
      logger: this.logger,
      stages: options.stages,
      observers: options.observers,
      endObservers: options.endObservers,
      anonymousMethods,
    });
    this.inFlight = new CallsInFlight(this.interceptor.inFlight);
    this.interceptor.authorization.trustedClientCas(this.listener.trustedClientCas);
    if (this.metrics) this.listener.on('refused', this.metrics.refusedHandshake);
    this.listener.on('refused', options.onRefusedHandshake ?? (this.refusals = new RefusalLog(this.logger, options.refusalLog)).record);
    const { interceptors: grpcInterceptors, ...grpcOptions } = options.grpcOptions ?? {};
    this.grpc = new Server({
      ...grpcOptionsOf(this.limits),
      ...grpcOptions,
      // certrpc's gate first: interceptors later in the list see a call only once it has let it through.
      interceptors: [this.interceptor, ...(options.interceptors ?? []), ...(grpcInterceptors ?? [])],
    });
    this.grpc.addService(IdentityService, identityService as unknown as UntypedServiceImplementation);
    for (const s of options.services) this.grpc.addService(s.definition, s.implementation);
    this.health = addStandardServices(this.grpc, [IdentityService, ...options.services.map((s) => s.definition)], {
      reflection: options.reflection,
      logger: this.logger,
    });
    this.metrics?.attach({
      openConnections: () => this.listener.connectionCount(),
      callsInFlight: () => this.inFlight.size,
      serving: () => this.health.get('') === 'SERVING',
      certificates: () => certificateExpiries(this.material),
    });
  }

  /** Binds and starts serving; port 0 picks a free port, returned here. */
  async listen(host = '127.0.0.1', port = 0): Promise<ListeningAddress> {
    // TLS is already done by the listener; grpc-js speaks HTTP/2 on the verified socket.
    const pingPolicy = { minIntervalMs: this.limits.minClientPingIntervalMs, maxStrikes: this.limits.maxPingStrikes };
    const { injector, hooked } = createHookedInjector(this.grpc, ServerCredentials.createInsecure(), (session) =>
      enforcePingPolicy(session, pingPolicy, (peer) => {
        this.metrics?.pingViolation();
        this.logger.warn(
          { event: 'ping_policy_violation', peer },
          `closed the connection from ${peer}: it pinged more often than every ${pingPolicy.minIntervalMs} ms (GOAWAY too_many_pings)`,
        );
      }),
    );
    if (!hooked)
      this.logger.warn('this grpc-js version hides its HTTP/2 sessions: the ping policy (minClientPingIntervalMs) is not enforced');
    this.injector = injector;
    this.listener.on('connection', (socket) => this.injector!.injectConnection(socket));
    this.address = await this.listener.listen(host, port);
    this.logger.info({ host, port: this.address.port }, 'listening');
    return this.address;
  }

  /** New certificate, key, trust bundle or CRL: applies to connections made from now on. */
  updateTls(material: TlsMaterial): void {
    refuseCaAsIdentity(material.certPem);
    this.listener.update(material);
    this.material = material;
    this.interceptor.authorization.trustedClientCas(this.listener.trustedClientCas);
    // After the listener: a revoked peer cut off now cannot reconnect with the old context.
    this.revocation.update(material.crlPem);
  }

  /** Runs fn when the server shuts down: file watchers and timers that belong to it. */
  onShutdown(fn: () => void): void {
    this.shutdownHooks.push(fn);
  }

  /** Open mTLS connections right now. */
  connectionCount(): Promise<number> {
    return this.listener.connectionCount();
  }

  get listening(): ListeningAddress | undefined {
    return this.address;
  }

  /**
   * Reports NOT_SERVING, stops accepting, lets calls in flight finish for up to graceMs, then ends
   * the rest with UNAVAILABLE (see graceful-stop.ts). Aborting `hurry` ends the grace period early.
   */
  async shutdown(graceMs = 5000, options: { hurry?: AbortSignal } = {}): Promise<StopReport> {
    for (const fn of this.shutdownHooks.splice(0)) fn();
    this.revocation.close();
    // Closes what it opened itself (the policy watcher and audit log of policyFile); an authorization you passed is yours.
    this.interceptor.close();
    const report = await stopGracefully(
      { grpc: this.grpc, health: this.health, inFlight: this.inFlight, closeListener: () => this.listener.close(), logger: this.logger },
      { graceMs, hurry: options.hurry },
    );
    this.refusals?.close();
    return report;
  }
}

export function createServer(options: CreateServerOptions): CertrpcServer {
  return new CertrpcServer(options);
}
