// The certrpc side of every pair: createServer() as an application runs it, with its own mTLS
// listener, the identity stage, the authorization stage from a policy file and the audit log on.
import { readFileSync } from 'node:fs';
import { authorization } from '../../src/authz/authorization';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { echoService } from '../../src/demo/echo-service';
import { keyValueService } from '../../src/demo/kv-service';
import type * as ServerMetricsModule from '../../src/metrics/server-metrics';
import { createServer } from '../../src/server/create-server';
import { runServerProcess } from './server-process';

runServerProcess(async (config) => {
  const authz = config.policyFile
    ? authorization({ policyFile: config.policyFile, audit: { mode: config.auditMode ?? 'all', destination: config.auditFile } })
    : undefined;
  const server = createServer({
    tls: {
      clientCaPem: readFileSync(config.caFile, 'utf8'),
      certPem: readFileSync(config.certFile, 'utf8'),
      keyPem: readFileSync(config.keyFile, 'utf8'),
    },
    limits: config.maxConnections ? { maxConnections: config.maxConnections } : undefined,
    services: [echoService(), keyValueService()],
    // No policy file: every authenticated caller is let in (without one, a server denies all but health and WhoAmI).
    ...(authz ? { authorization: authz } : { policy: allowAllAuthenticated() }),
    // prom-client only when asked for, as `certrpc serve` loads it only with --metrics (heap is GC cost).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    metrics: config.metrics ? new (require('../../src/metrics/server-metrics') as typeof ServerMetricsModule).ServerMetrics() : undefined,
  });
  const { port } = await server.listen('127.0.0.1', 0);
  return {
    port,
    stop: async () => {
      await server.shutdown(1000);
      authz?.close();
    },
  };
});
