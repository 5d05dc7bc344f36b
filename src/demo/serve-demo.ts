import type { Authorization } from '../authz/authorization';
import { Logger } from '../log/logger';
import { CallObserver, CallStage } from '../server/call-gate';
import { CertrpcServer, createServer, CreateServerOptions } from '../server/create-server';
import { PkiDir } from '../store/pki-dir';
import { echoService } from './echo-service';
import { keyValueService } from './kv-service';

export interface ServeDemoOptions {
  pki: PkiDir;
  /** The server identity's name in the PKI directory (NAME.crt / NAME.key). */
  name?: string;
  host?: string;
  port?: number;
  logger?: Logger;
  stages?: CallStage[];
  observers?: CallObserver[];
  onRefusedHandshake?: CreateServerOptions['onRefusedHandshake'];
  /** PEM bundle of the client CAs to trust instead of the PKI directory's ca.crt (--client-ca). */
  clientCaPem?: string;
  /** From authorization(): its stage runs after `stages`, its audit observer beside `observers`. The caller closes it. */
  authorization?: Authorization;
  /** false: no server reflection (clients then need the .proto files: certrpc call --proto). */
  reflection?: boolean;
}

/** The demo services (KeyValue, Echo, Identity) over mTLS with an identity from the PKI directory. */
export async function serveDemo(options: ServeDemoOptions): Promise<CertrpcServer> {
  const identity = options.pki.loadIdentity(options.name ?? 'server');
  const server = createServer({
    tls: { certPem: identity.certPem, keyPem: identity.keyPem, clientCaPem: options.clientCaPem ?? identity.caPem },
    services: [keyValueService(), echoService()],
    stages: [...(options.stages ?? []), ...(options.authorization?.stages ?? [])],
    observers: [...(options.observers ?? []), ...(options.authorization?.observers ?? [])],
    onRefusedHandshake: options.onRefusedHandshake,
    reflection: options.reflection,
    logger: options.logger,
  });
  await server.listen(options.host ?? '127.0.0.1', options.port ?? 50051);
  return server;
}
