import { Command } from 'commander';
import { AUDIT_MODES, parseAuditMode } from '../authz/policy-model';
import { LOG_LEVELS, LogLevel } from '../log/logger';
import { parseDays } from '../text/quantities';
import { UsageError } from './exit-codes';
import { addOperationsOptions, applyConfigFile, OperationsSettings, operationsSettings } from './serve-operations';
import { defaultDir, DIR_HELP, withHelp } from './help';
import { handedOver } from './serve-process';
import type * as ServeRunModule from './serve-run';
import type { ServeInputs } from './serve-run';

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
      const inputs = serveInputs(opts, operationsSettings(opts, applyConfigFile(cmd))); // the file fills in flags not given, before anything reads opts
      // In serve-process.ts's worker the serving thread runs them; anywhere else, here.
      if (handedOver(inputs)) return;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      await (require('./serve-run') as typeof ServeRunModule).runServe(inputs);
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

/** Checks serve's flags (usage errors exit 2, before anything starts) into what runServe needs. */
function serveInputs(
  opts: Record<string, unknown> & Record<'dir' | 'name' | 'host' | 'port' | 'logLevel' | 'expiryWarning', string>,
  ops: OperationsSettings,
): ServeInputs {
  const port = Number(opts.port);
  const audit = opts.audit as string | undefined;
  const auditMode = audit === undefined ? undefined : parseAuditMode(audit);
  if (audit !== undefined && !auditMode) throw new UsageError(`bad --audit "${audit}"`, `use one of ${AUDIT_MODES.join(', ')}`);
  if (!/^\d+$/.test(opts.port) || port > 65535)
    throw new UsageError(`bad --port "${opts.port}"`, 'give a port number 0-65535 (0 picks a free one)');
  if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
    throw new UsageError(`bad --log-level "${opts.logLevel}"`, `use one of ${LOG_LEVELS.join(', ')}`);
  const expiryWarningDays = parseDays(opts.expiryWarning, { min: 0, option: '--expiry-warning' });
  return {
    dir: opts.dir,
    name: opts.name,
    host: opts.host,
    port,
    logLevel: opts.logLevel as LogLevel,
    clientCa: opts.clientCa as string[] | undefined,
    policy: opts.policy as string | undefined,
    auditMode,
    auditFile: opts.auditFile as string | undefined,
    demo: opts.demo === true,
    reflection: opts.reflection !== false,
    expiryWarningDays,
    ops,
  };
}
