import { ChannelOptions, Server, ServerCredentials, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { IdentityService } from '../gen/certrpc/v1/identity';
import { Logger, silentLogger } from '../log/logger';
import { createServerCredentials, ServerTlsMaterial } from '../tls/server-credentials';
import { CallObserver, CallStage, createCallGate } from './call-gate';
import { identityService } from './identity-service';
import { identityStage } from './identity-stage';

export interface ServiceRegistration {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  definition: ServiceDefinition<any>;
  implementation: UntypedServiceImplementation;
}

export interface CreateServerOptions {
  /** The server's certificate and key, and the CAs its clients must chain to. */
  tls: ServerTlsMaterial;
  services: ServiceRegistration[];
  /** Checks run after identity, in order, before any handler (authorization, revocation, ...). */
  stages?: CallStage[];
  /** Told of every decision (audit log, metrics). */
  observers?: CallObserver[];
  logger?: Logger;
  /** grpc-js channel options (limits, keepalive). */
  grpcOptions?: ChannelOptions;
  /** Credentials to use instead of the ones built from `tls` (e.g. reloadable ones). */
  credentials?: ServerCredentials;
}

export interface ListeningAddress {
  host: string;
  port: number;
}

/** A grpc-js Server behind certrpc's gate: mutual TLS, then identity and the given stages, then handlers. */
export class CertrpcServer {
  readonly grpc: Server;
  readonly logger: Logger;
  private readonly credentials: ServerCredentials;
  private address?: ListeningAddress;

  constructor(options: CreateServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.credentials = options.credentials ?? createServerCredentials(options.tls);
    this.grpc = new Server({
      ...options.grpcOptions,
      interceptors: [createCallGate([identityStage(), ...(options.stages ?? [])], options.observers ?? [])],
    });
    this.grpc.addService(IdentityService, identityService as unknown as UntypedServiceImplementation);
    for (const s of options.services) this.grpc.addService(s.definition, s.implementation);
  }

  /** Binds and starts serving; port 0 picks a free port, returned here. */
  async listen(host = '127.0.0.1', port = 0): Promise<ListeningAddress> {
    const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) =>
      this.grpc.bindAsync(target, this.credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.address = { host, port: bound };
    this.logger.info({ host, port: bound }, 'listening');
    return this.address;
  }

  get listening(): ListeningAddress | undefined {
    return this.address;
  }

  /** Stops accepting calls, lets calls in flight finish for up to graceMs, then cancels the rest. */
  async shutdown(graceMs = 5000): Promise<void> {
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
  }
}

export function createServer(options: CreateServerOptions): CertrpcServer {
  return new CertrpcServer(options);
}
