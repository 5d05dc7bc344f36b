import { Command } from 'commander';
import { AUDIT_MODES, parseAuditMode } from '../../authz/policy-model';
import { startCaServer } from '../../ca/ca-server';
import { DEFAULT_MAX_LIFETIME_MS, MIN_LIFETIME_MS } from '../../ca/issuance';
import { CA_SERVER_NAME } from '../../ca/upkeep';
import { routeGrpcJsLogs } from '../../log/grpc-js-logs';
import { createLogger, LOG_LEVELS, LogLevel } from '../../log/logger';
import { parseSanList } from '../../pki/subject-alt-names';
import { stopOnSignal } from '../../server/stop-on-signal';
import { PkiDir } from '../../store/pki-dir';
import { formatHostPort } from '../../text/host-port';
import { formatDuration, parseDuration } from '../../text/quantities';
import { UsageError } from '../exit-codes';
import { collect, defaultDir, DIR_HELP, withHelp } from '../help';
import { listenAddress } from '../listen-address';

export const DEFAULT_CA_LISTEN = '127.0.0.1:8443';

export function caServeCommand(): Command {
  const cmd = new Command('serve')
    .description(
      "serve this directory's CA over mutual TLS (certrpc.v1.CertificateAuthority) for `certrpc agent`: Enroll with a one-time token, Renew with the current certificate, " +
        'TrustBundle/WatchTrustBundle for ca.crt and crl.pem, Issue for admins; every issuance recorded in DIR (cert list) and audited',
    )
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--listen <host:port>', 'address to listen on (:PORT is 127.0.0.1:PORT; :0 picks a free port)', DEFAULT_CA_LISTEN)
    .option(
      '--policy <file>',
      'who may call what on the CA service (certrpc YAML or A43 JSON, reloaded on change); default: Renew and WatchTrustBundle for any valid certificate, Issue for no one',
    )
    .option(
      '--san <list>',
      `names of the CA's own server certificate DIR/${CA_SERVER_NAME}.crt, issued at start when missing (agents dial one of them)`,
      collect,
    )
    .option(
      '--max-lifetime <duration>',
      'the longest certificate this CA issues; longer requests (tokens, renewals) are capped',
      formatDuration(DEFAULT_MAX_LIFETIME_MS),
    )
    .option('--audit <mode>', `which events the audit log records: ${AUDIT_MODES.join(', ')}`)
    .option('--audit-file <file>', 'write the audit log to this file instead of stderr')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .action(async (opts) => {
      const { host, port } = listenAddress(opts.listen, undefined, DEFAULT_CA_LISTEN);
      const sans = parseSanList(opts.san ?? ['DNS:localhost,IP:127.0.0.1']);
      if (sans.length === 0)
        throw new UsageError('--san names nothing', 'give the names agents dial, e.g. --san DNS:ca.internal,IP:10.0.0.1');
      const maxLifetimeMs = parseDuration(opts.maxLifetime, { min: MIN_LIFETIME_MS, option: '--max-lifetime' });
      const auditMode = opts.audit === undefined ? undefined : parseAuditMode(opts.audit);
      if (opts.audit !== undefined && !auditMode)
        throw new UsageError(`bad --audit "${opts.audit}"`, `use one of ${AUDIT_MODES.join(', ')}`);
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
        throw new UsageError(`bad --log-level "${opts.logLevel}"`, `use one of ${LOG_LEVELS.join(', ')}`);
      const logger = createLogger({ level: opts.logLevel as LogLevel, name: 'certrpc-ca' });
      routeGrpcJsLogs(logger);
      const pki = new PkiDir(opts.dir);
      const ca = await startCaServer({
        pki,
        host,
        port,
        sans,
        policyFile: opts.policy,
        audit: { mode: auditMode, destination: opts.auditFile },
        maxLifetimeMs,
        logger,
      });
      // Signal handlers before the line a supervisor acts on (see certrpc serve).
      const stopped = stopOnSignal(ca.server, { graceMs: 5000, logger, cleanups: [() => ca.authz.close()] });
      logger.info(
        { event: 'ca_serving', maxLifetime: formatDuration(maxLifetimeMs), policy: opts.policy ?? 'built-in' },
        'CA service ready',
      );
      console.log(`listening on ${formatHostPort(ca.address.host, ca.address.port)}`);
      await stopped;
      logger.flush();
      setTimeout(() => process.exit(process.exitCode ?? 0), 2000).unref();
    });
  return withHelp(cmd, [
    'certrpc ca serve --listen 0.0.0.0:8443 --san DNS:ca.internal,IP:10.0.0.1',
    'certrpc ca serve --listen :0   # prints "listening on 127.0.0.1:PORT"',
    'certrpc ca serve --policy ca-policy.yaml --audit-file /var/log/certrpc-ca.audit --max-lifetime 7d',
    'openssl x509 -in certs/ca.crt -noout -fingerprint -sha256   # the --ca-fingerprint agents pin',
  ]);
}
