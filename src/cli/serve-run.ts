// What `certrpc serve` runs once its arguments are checked, with no commander in reach: in the
// `certrpc serve` process the arguments are parsed in a short-lived worker thread (serve-process.ts),
// so commander and the CLI's command tree (~0.9 MB of heap) never enter the thread that serves,
// where every MB of heap is GC work on every call and message (docs/BENCHMARKS.md, Heap and GC).
import { authorization } from '../authz/authorization';
import type { AuditMode } from '../authz/policy-model';
import { serveDirectory } from '../app/serve-directory';
import { stopOnSignal } from '../server/stop-on-signal';
import { routeGrpcJsLogs } from '../log/grpc-js-logs';
import { createLogger, LogLevel } from '../log/logger';
import { PkiDir } from '../store/pki-dir';
import { loadTrustBundle } from '../store/trust-bundle';
import { preflightServerIdentity } from './serve-preflight';
import type { OperationsSettings } from './serve-operations';
import type * as ServerMetricsModule from '../metrics/server-metrics';
import type { ServerMetrics } from '../metrics/server-metrics';
import { MetricsEndpoint, startMetricsEndpoint } from '../metrics/metrics-endpoint';
import { formatHostPort } from '../text/host-port';

/** `certrpc serve`'s flags, checked (serve.ts): plain data, so a worker thread can hand them over. */
export interface ServeInputs {
  dir: string;
  name: string;
  host: string;
  port: number;
  logLevel: LogLevel;
  clientCa?: string[];
  policy?: string;
  auditMode?: AuditMode;
  auditFile?: string;
  demo: boolean;
  reflection: boolean;
  expiryWarningDays: number;
  ops: OperationsSettings;
}

/** Serves until SIGTERM/SIGINT: NOT_SERVING, drain up to --shutdown-grace, end the rest, flush the audit log. */
export async function runServe(inputs: ServeInputs): Promise<void> {
  const { ops } = inputs;
  const logger = createLogger({ level: inputs.logLevel });
  routeGrpcJsLogs(logger);
  if (ops.configFile) logger.info({ config: ops.configFile }, `configuration from ${ops.configFile} (flags override it)`);
  preflightServerIdentity(new PkiDir(inputs.dir), inputs.name, logger, inputs.clientCa);
  const clientCas = inputs.clientCa ? loadTrustBundle(inputs.clientCa, '--client-ca') : undefined;
  if (clientCas) logger.info({ clientCas: clientCas.subjects }, `trusting client certificates from: ${clientCas.subjects.join('; ')}`);
  const authz = authorization({
    policyFile: inputs.policy,
    logger,
    audit: { mode: inputs.auditMode, destination: inputs.auditFile },
    noPolicyFix: 'start it with --policy FILE',
  });
  // prom-client only with --metrics: a server holds what it loads, and every MB of heap costs it in GC.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const metrics = ops.metrics ? new (require('../metrics/server-metrics') as typeof ServerMetricsModule).ServerMetrics() : undefined;
  // A start that fails half-way must not leave the policy watcher or the metrics port holding the process open.
  const metricsEndpoint =
    metrics && ops.metrics
      ? await startMetrics(metrics, ops.metrics).catch((err) => {
          authz.close();
          throw err;
        })
      : undefined;
  const server = await serveDirectory({
    pki: new PkiDir(inputs.dir),
    demo: inputs.demo,
    name: inputs.name,
    host: inputs.host,
    port: inputs.port,
    logger,
    clientCaFiles: clientCas ? inputs.clientCa : undefined,
    authorization: authz,
    reflection: inputs.reflection,
    expiryWarningDays: inputs.expiryWarningDays,
    limits: ops.limits,
    metrics,
  }).catch(async (err) => {
    authz.close();
    await metricsEndpoint?.close();
    throw err;
  });
  const { host, port: bound } = server.listening!;
  // SIGTERM/SIGINT: NOT_SERVING, drain up to --shutdown-grace, end the rest, flush the audit log, exit 0.
  // The handlers go in before the lines below: a supervisor may send SIGTERM the moment it reads one.
  const stopped = stopOnSignal(server, {
    graceMs: ops.shutdownGraceMs,
    logger,
    cleanups: [() => authz.close(), () => metricsEndpoint?.close()],
  });
  if (metricsEndpoint) {
    const { host: mHost, port: mPort } = metricsEndpoint;
    logger.info({ event: 'metrics', host: mHost, port: mPort }, 'metrics endpoint listening');
    console.log(`metrics on ${formatHostPort(mHost, mPort)}`);
  }
  // Scripts and tests read the port from this exact line.
  console.log(`listening on ${formatHostPort(host, bound)}`);
  await stopped;
  logger.flush();
  // Nothing should outlive the server; if something does (a stray timer), it must not keep a stopped server's process alive.
  setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
}

/** The /metrics endpoint; a port in use or not allowed says which flag to change. */
export async function startMetrics(metrics: ServerMetrics, address: { host: string; port: number }): Promise<MetricsEndpoint> {
  try {
    return await startMetricsEndpoint(metrics, address.host, address.port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'this user may not bind it' : (err as Error).message;
    throw new Error(
      `cannot serve --metrics on ${formatHostPort(address.host, address.port)}: ${why}\n  fix: choose another port (--metrics :0 picks a free one)`,
      { cause: err },
    );
  }
}
