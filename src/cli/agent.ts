import { status as Status } from '@grpc/grpc-js';
import { Command } from 'commander';
import { Agent } from '../agent/agent';
import { AgentFiles } from '../agent/agent-files';
import { CertrpcCaBackend } from '../agent/certrpc-backend';
import { ExecHook } from '../agent/exec-hook';
import { routeGrpcJsLogs } from '../log/grpc-js-logs';
import { createLogger, LOG_LEVELS, LogLevel } from '../log/logger';
import { parseAddress } from '../tls/address';
import { normalizeFingerprint } from '../gate/issuing-ca';
import { EXIT, ExitWith, UsageError } from './exit-codes';
import { defaultDir, withHelp } from './help';

const AGENT_EXIT_CODES_HELP = `Exit codes:
  0        --once: the identity is current (enrolled, renewed, or not due yet) and ca.crt/crl.pem are up to date;
           the daemon: stopped by SIGTERM/SIGINT
  1        error: the CA is unreachable or refused this host's certificate (revoked, expired), the pinned root is not
           the CA's, a file is unusable; the message says which and the fix. Nothing on disk was changed
  2        usage error (unknown flag, missing argument, bad flag value, no token where one is needed)
  64+N     the CA answered with gRPC status N, e.g. 80 = 64+16 UNAUTHENTICATED (a bad, used or expired token),
           67 = 64+3 INVALID_ARGUMENT (a CSR asking for names the token does not bind)`;

/** "SHA256 Fingerprint=AB:CD:..." as openssl prints it, or the hex alone, colons optional. */
export function parseFingerprintFlag(value: string): string {
  const normalized = normalizeFingerprint(value.replace(/^\s*sha-?256\s+fingerprint\s*=\s*/i, ''));
  if (!normalized) throw new UsageError(`bad --ca-fingerprint "${value}": not a SHA-256 fingerprint (64 hex digits, colons optional)`, 'on the CA host: openssl x509 -in DIR/ca.crt -noout -fingerprint -sha256');
  return normalized;
}

export function agentCommand(): Command {
  const cmd = new Command('agent')
    .description(
      'keep this host\'s identity fresh from a CA served by certrpc ca serve: enroll with a one-time token (the key is made here, 0600), renew at 2/3 of each lifetime, ' +
        'keep DIR/ca.crt and DIR/crl.pem current, run --exec after each change',
    )
    .requiredOption('--ca <host:port>', 'the CA service (certrpc ca serve), dialed by a name its certificate holds')
    .requiredOption('--ca-fingerprint <sha256>', "the SHA-256 fingerprint of the CA's root, as openssl x509 -fingerprint -sha256 prints it (colons optional): first contact trusts only it")
    .option('--dir <dir>', 'where the identity lives: NAME.crt, NAME.key, ca.crt, crl.pem (env CERTRPC_DIR)', defaultDir())
    .requiredOption('--name <name>', 'the identity: DIR/NAME.crt and DIR/NAME.key (and its name on the CA)')
    .option('--token <token>', 'one-time enrollment token (certrpc ca token) when DIR/NAME.crt is missing; env CERTRPC_TOKEN keeps it out of the process list')
    .option('--once', 'enroll or renew if due, update ca.crt and crl.pem, then exit (for cron and scripts)')
    .option('--exec <command>', 'run with sh -c after every change; its environment names the change: CERTRPC_AGENT_EVENT (enrolled, renewed, trust-updated), CERTRPC_AGENT_CHANGED (the files)')
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .action(async (opts) => {
      try {
        parseAddress(opts.ca);
      } catch (err) {
        throw new UsageError(`bad --ca: ${(err as Error).message}`, 'e.g. --ca ca.internal:8443');
      }
      const fingerprint = parseFingerprintFlag(opts.caFingerprint);
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel)) throw new UsageError(`bad --log-level "${opts.logLevel}"`, `use one of ${LOG_LEVELS.join(', ')}`);
      const logger = createLogger({ level: opts.logLevel as LogLevel, name: 'certrpc-agent' });
      routeGrpcJsLogs(logger);
      const files = new AgentFiles(opts.dir, opts.name);
      const token: string | undefined = opts.token ?? process.env.CERTRPC_TOKEN ?? undefined;
      const backend = new CertrpcCaBackend(opts.ca);
      const agent = new Agent({ backend, files, fingerprint, token: token?.trim() || undefined, exec: new ExecHook(opts.exec, { name: opts.name, dir: files.pki.dir }, logger), logger });
      if (opts.once) {
        try {
          const r = await agent.once();
          const what = r.action === 'enrolled' ? 'enrolled' : r.action === 'renewed' ? 'renewed' : 'current';
          console.log(`${opts.name}: ${what}, serial ${r.serial}, expires ${r.notAfter.toISOString()}, renewal due ${r.renewAt.toISOString()}${r.notice ? ` (${r.notice})` : ''}`);
          for (const file of r.written) console.log(`  wrote ${file}`);
        } catch (err) {
          throw caFailure(err, agent.wrote);
        } finally {
          backend.close();
          logger.flush();
        }
        return;
      }
      const stop = new AbortController();
      process.once('SIGTERM', () => stop.abort());
      process.once('SIGINT', () => stop.abort());
      try {
        await agent.run(stop.signal);
        logger.info({ event: 'stopped' }, 'stopped');
      } catch (err) {
        throw caFailure(err, agent.wrote);
      } finally {
        logger.flush();
      }
    });
  return withHelp(
    cmd,
    [
      'openssl x509 -in certs/ca.crt -noout -fingerprint -sha256   # on the CA host: the root fingerprint to pin',
      'CERTRPC_TOKEN=$(ssh ca certrpc ca token web1 --server --san DNS:web1.internal) certrpc agent --ca ca.internal:8443 --ca-fingerprint AB:CD:... --dir /etc/certrpc --name web1',
      'certrpc agent --ca ca.internal:8443 --ca-fingerprint AB:CD:... --dir /etc/certrpc --name web1 --exec "systemctl reload nginx"',
      'certrpc agent --ca ca.internal:8443 --ca-fingerprint AB:CD:... --dir /etc/certrpc --name web1 --once   # from cron',
    ],
    AGENT_EXIT_CODES_HELP,
  );
}

/** A status from the CA is 64+N (UNAVAILABLE, a connection that failed or was refused, is 1); anything else goes to run-program. */
function caFailure(err: unknown, wrote: boolean): unknown {
  const e = err as { code?: unknown; details?: unknown };
  if (typeof e?.code !== 'number' || typeof e.details !== 'string') return err;
  const disk = wrote ? '' : '\n  nothing on disk was changed';
  if (e.code === Status.UNAVAILABLE) {
    console.error(`certrpc: the CA could not be reached: ${e.details}${disk}`);
    return new ExitWith(EXIT.ERROR);
  }
  console.error(`certrpc: the CA refused: ${Status[e.code] ?? e.code} (${e.code}): ${e.details}${disk}`);
  return new ExitWith(EXIT.GRPC_STATUS_BASE + e.code);
}
