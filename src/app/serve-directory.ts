// The server `certrpc serve` runs, assembled from a PKI directory: NAME.crt/NAME.key, the trust
// bundle (DIR/ca.crt or the given client CA files) and DIR/crl.pem, all followed while it runs
// (createServerFromFiles), serving certrpc.v1.Identity, health and reflection, plus the demo
// services (demo.v1.KeyValue, demo.v1.Echo) only when asked (serve --demo, npm start).
import type { Authorization } from '../authz/authorization';
import type { CompiledPolicy } from '../authz/compiled-policy';
import { echoService } from '../demo/echo-service';
import { keyValueService } from '../demo/kv-service';
import type { CallObserver, CallStage } from '../gate/call-context';
import { Logger } from '../log/logger';
import { CertrpcServer, CreateServerOptions, ServiceRegistration } from '../server/create-server';
import { createServerFromFiles, ReloadTiming } from '../server/server-from-files';
import { PkiDir } from '../store/pki-dir';

export interface ServeDirectoryOptions {
  pki: PkiDir;
  /** The server identity's name in the PKI directory (NAME.crt / NAME.key). */
  name?: string;
  host?: string;
  port?: number;
  logger?: Logger;
  /** Also serve demo.v1.KeyValue and demo.v1.Echo. */
  demo?: boolean;
  /** Services of your own, besides Identity, health and reflection. */
  services?: ServiceRegistration[];
  stages?: CallStage[];
  observers?: CallObserver[];
  onRefusedHandshake?: CreateServerOptions['onRefusedHandshake'];
  /** Files of the client CAs to trust instead of the PKI directory's ca.crt (--client-ca); watched like the rest. */
  clientCaFiles?: string[];
  /** Log a warning when the certificate or a trusted CA expires within this many days (default 30). */
  expiryWarningDays?: number;
  /** How quickly changed files are noticed (tests shorten it). */
  reload?: ReloadTiming;
  /** From authorization(): its stage runs after `stages`, its audit observer beside `observers`. The caller closes it. */
  authorization?: Authorization;
  /** Instead of authorization: a fixed policy (e.g. allowAllAuthenticated()). Neither: deny all but health and WhoAmI. */
  policy?: CompiledPolicy;
  /** false: no server reflection (clients then need the .proto files). */
  reflection?: boolean;
  /** Limits over the defaults of server/limits.ts. */
  limits?: CreateServerOptions['limits'];
  /** Prometheus metrics to feed. */
  metrics?: CreateServerOptions['metrics'];
}

/** The server of a PKI directory, listening. Changed files apply without a restart. */
export async function serveDirectory(options: ServeDirectoryOptions): Promise<CertrpcServer> {
  const pki = options.pki;
  const name = options.name ?? 'server';
  pki.loadIdentity(name); // "no certificate named ..." with the fix, before the generic file checks
  const { server } = await createServerFromFiles({
    files: {
      certFile: pki.certFile(name),
      keyFile: pki.keyFile(name),
      caFiles: options.clientCaFiles ?? [pki.caCertFile],
      crlFile: pki.crlFile,
      revocationsFile: pki.revocationsFile,
    },
    expiryWarningDays: options.expiryWarningDays,
    reload: options.reload,
    services: [...(options.demo ? [keyValueService(), echoService()] : []), ...(options.services ?? [])],
    stages: options.stages,
    observers: options.observers,
    authorization: options.authorization,
    policy: options.policy,
    onRefusedHandshake: options.onRefusedHandshake,
    reflection: options.reflection,
    logger: options.logger,
    limits: options.limits,
    metrics: options.metrics,
  });
  await server.listen(options.host ?? '127.0.0.1', options.port ?? 50051);
  return server;
}
