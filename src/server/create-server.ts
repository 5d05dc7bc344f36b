import { ChannelOptions, ConnectionInjector, Server, ServerCredentials, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { IdentityService } from '../gen/certrpc/v1/identity';
import { Logger, silentLogger } from '../log/logger';
import { ListenerLimits, MtlsListener, TlsMaterial } from '../tls/mtls-listener';
import { RefusedHandshake } from '../tls/refusal-reasons';
import { RefusalLog, RefusalLogLimits } from '../tls/refusal-log';
import { CallObserver, CallStage, createCallGate } from './call-gate';
import { identityService } from './identity-service';
import { identityStage } from './identity-stage';
import { RevocationEnforcer, RevocationEnforcerOptions } from './revocation-enforcer';
import type { ServerHealth } from './health';
import type { ReflectionOptions } from './reflection';
import { addStandardServices } from './standard-services';

export interface ServiceRegistration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: ServiceDefinition<any>;
  implementation: UntypedServiceImplementation;
}

export interface CreateServerOptions {
  /** The server's certificate and key, the CAs its clients must chain to, and optionally a CRL. */
  tls: TlsMaterial;
  /** Handshake timeout and connection cap for the TLS listener. */
  limits?: ListenerLimits;
  services: ServiceRegistration[];
  /** Checks run after identity, in order, before any handler (authorization, revocation, ...). */
  stages?: CallStage[];
  /** Told of every decision (audit log, metrics). */
  observers?: CallObserver[];
  logger?: Logger;
  /** grpc-js channel options (limits, keepalive). */
  grpcOptions?: ChannelOptions;
  /** Told of every refused handshake (the default logs it as a warning, rate-limited: see refusalLog). */
  onRefusedHandshake?: (refusal: RefusedHandshake) => void;
  /** Limits of the default refused-handshake log: lines per interval before refusals are only counted. */
  refusalLog?: RefusalLogLimits;
  /** gRPC server reflection, on by default; false turns it off, an object adds your protos' schema. */
  reflection?: boolean | ReflectionOptions;
  /** What happens to a revoked client's open connections (see tls.crlPem and updateTls). */
  revocation?: RevocationEnforcerOptions;
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

  constructor(options: CreateServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.listener = new MtlsListener(options.tls, options.limits);
    this.listener.on('refused', options.onRefusedHandshake ?? (this.refusals = new RefusalLog(this.logger, options.refusalLog)).record);
    this.revocation = new RevocationEnforcer(options.tls.crlPem, this.logger, options.revocation);
    this.listener.on('connection', (socket) => this.revocation.trackConnection(socket));
    this.grpc = new Server({
      ...options.grpcOptions,
      interceptors: [createCallGate([identityStage(), this.revocation.stage, ...(options.stages ?? [])], [this.revocation.observer, ...(options.observers ?? [])])],
    });
    this.grpc.addService(IdentityService, identityService as unknown as UntypedServiceImplementation);
    for (const s of options.services) this.grpc.addService(s.definition, s.implementation);
    this.health = addStandardServices(this.grpc, [IdentityService, ...options.services.map((s) => s.definition)], { reflection: options.reflection, logger: this.logger });
  }

  /** Binds and starts serving; port 0 picks a free port, returned here. */
  async listen(host = '127.0.0.1', port = 0): Promise<ListeningAddress> {
    // TLS is already done by the listener; grpc-js speaks HTTP/2 on the verified socket.
    this.injector = this.grpc.createConnectionInjector(ServerCredentials.createInsecure());
    this.listener.on('connection', (socket) => this.injector!.injectConnection(socket));
    this.address = await this.listener.listen(host, port);
    this.logger.info({ host, port: this.address.port }, 'listening');
    return this.address;
  }

  /** New certificate, key, trust bundle or CRL: applies to connections made from now on. */
  updateTls(material: TlsMaterial): void {
    this.listener.update(material);
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

  /** Stops accepting calls, lets calls in flight finish for up to graceMs, then cancels the rest. */
  async shutdown(graceMs = 5000): Promise<void> {
    for (const fn of this.shutdownHooks.splice(0)) fn();
    this.revocation.close();
    // Stop accepting first; the listener's close completes once grpc-js has closed every session.
    const listenerClosed = this.listener.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.grpc.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.grpc.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await listenerClosed;
    this.refusals?.close();
  }
}

export function createServer(options: CreateServerOptions): CertrpcServer {
  return new CertrpcServer(options);
}
