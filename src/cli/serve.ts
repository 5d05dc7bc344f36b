import { Command } from 'commander';
import { authorization } from '../authz/authorization';
import { AUDIT_MODES, parseAuditMode } from '../authz/policy-model';
import { serveDirectory } from '../app/serve-directory';
import { stopOnSignal } from '../server/stop-on-signal';
import { routeGrpcJsLogs } from '../log/grpc-js-logs';
import { createLogger, LOG_LEVELS, LogLevel } from '../log/logger';
import { PkiDir } from '../store/pki-dir';
import { loadTrustBundle } from '../store/trust-bundle';
import { parseDays } from '../text/quantities';
import { UsageError } from './exit-codes';
import { preflightServerIdentity } from './serve-preflight';
import { addOperationsOptions, applyConfigFile, operationsSettings, startMetrics } from './serve-operations';
import type * as ServerMetricsModule from '../metrics/server-metrics';
import { defaultDir, DIR_HELP, withHelp } from './help';
import { formatHostPort } from '../text/host-port';

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .description(
      'serve over mutual TLS from a PKI directory: certrpc.v1.Identity (WhoAmI), health and reflection; with --demo also the demo services (demo.v1.KeyValue, demo.v1.Echo)',
    )
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--name <name>', 'server identity in DIR: NAME.crt and NAME.key', 'server')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port to bind; 0 picks a free one', '50051')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .option(
      '--client-ca <file>',
      'trust client certificates signed by this CA (repeatable); when given, DIR/ca.crt is trusted for clients only if listed too',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--policy <file>',
      'authorization policy (certrpc YAML or gRFC A43 JSON), re-read when it changes; without it only health checks and WhoAmI are allowed',
    )
    .option('--audit <mode>', `which decisions the audit log records, overriding the policy: ${AUDIT_MODES.join(', ')}`)
    .option('--audit-file <file>', 'write the audit log to this file instead of stderr (overrides the policy)')
    .option('--demo', 'also serve the demo services demo.v1.KeyValue and demo.v1.Echo (what npm start serves)')
    .option('--no-reflection', 'do not offer gRPC server reflection (clients then need the .proto files: certrpc call --proto)')
    .option(
      '--expiry-warning <days>',
      'log a warning (at start, then daily) when the server certificate or a trusted CA expires within this many days',
      '30d',
    )
    .action(async (opts) => {
      const ops = operationsSettings(opts, applyConfigFile(cmd)); // before anything reads opts: the file fills in flags not given
      const port = Number(opts.port);
      const auditMode = opts.audit === undefined ? undefined : parseAuditMode(opts.audit);
      if (opts.audit !== undefined && !auditMode)
        throw new UsageError(`bad --audit "${opts.audit}"`, `use one of ${AUDIT_MODES.join(', ')}`);
      if (!/^\d+$/.test(opts.port) || port > 65535)
        throw new UsageError(`bad --port "${opts.port}"`, 'give a port number 0-65535 (0 picks a free one)');
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
        throw new UsageError(`bad --log-level "${opts.logLevel}"`, `use one of ${LOG_LEVELS.join(', ')}`);
      const expiryWarningDays = parseDays(opts.expiryWarning, { min: 0, option: '--expiry-warning' });
      const logger = createLogger({ level: opts.logLevel as LogLevel });
      routeGrpcJsLogs(logger);
      if (ops.configFile) logger.info({ config: ops.configFile }, `configuration from ${ops.configFile} (flags override it)`);
      preflightServerIdentity(new PkiDir(opts.dir), opts.name, logger, opts.clientCa);
      const clientCas = opts.clientCa ? loadTrustBundle(opts.clientCa, '--client-ca') : undefined;
      if (clientCas) logger.info({ clientCas: clientCas.subjects }, `trusting client certificates from: ${clientCas.subjects.join('; ')}`);
      const authz = authorization({
        policyFile: opts.policy,
        logger,
        audit: { mode: auditMode, destination: opts.auditFile },
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
        pki: new PkiDir(opts.dir),
        demo: opts.demo === true,
        name: opts.name,
        host: opts.host,
        port,
        logger,
        clientCaFiles: clientCas ? opts.clientCa : undefined,
        authorization: authz,
        reflection: opts.reflection,
        expiryWarningDays,
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
    });
  addOperationsOptions(cmd);
  return withHelp(cmd, [
    'certrpc serve',
    'certrpc serve --demo --policy policy.yaml   # the demo services, as npm start serves them',
    'certrpc serve --dir /etc/certrpc --name api --host 0.0.0.0 --port 8443',
    'certrpc serve --port 0   # prints "listening on 127.0.0.1:PORT"',
    'certrpc serve --client-ca certs/cas/clients/ca.crt   # clients from a separate root only',
    'certrpc serve --policy policy.yaml --audit-file audit.log',
    'certrpc serve --config serve.yaml --log-level debug   # flags override the file',
    'certrpc serve --metrics 9464   # Prometheus text at http://127.0.0.1:9464/metrics',
    'certrpc serve --limit maxConnections=200 --limit handshakeTimeoutMs=5s --shutdown-grace 30s   # limits: docs/LIMITS.md',
  ]);
}
