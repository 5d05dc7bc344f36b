import { status as Status } from '@grpc/grpc-js';
import { Command } from 'commander';
import { Agent } from '../agent/agent';
import { AgentFiles } from '../agent/agent-files';
import { CaBackend } from '../agent/ca-backend';
import { CertrpcCaBackend } from '../agent/certrpc-backend';
import { ExecHook } from '../agent/exec-hook';
import { routeGrpcJsLogs } from '../log/grpc-js-logs';
import { onStopSignals } from '../server/stop-signals';
import { createLogger, LOG_LEVELS, LogLevel } from '../log/logger';
import { parseAddress } from '../tls/address';
import { normalizeFingerprint } from '../gate/issuing-ca';
import { StepCaBackend } from '../stepca/step-ca-backend';
import { StepCaError } from '../stepca/step-ca-error';
import { EXIT, ExitWith, UsageError } from './exit-codes';
import { defaultDir, withHelp } from './help';
import { errorMessage } from './run-program';

const AGENT_EXIT_CODES_HELP = `Exit codes:
  0        --once: the identity is current (enrolled, renewed, or not due yet) and ca.crt/crl.pem are up to date;
           the daemon: stopped by SIGTERM/SIGINT
  1        error: the CA is unreachable or refused this host's certificate (revoked, expired), the pinned root is not
           the CA's, a file is unusable; the message says which and the fix. Nothing on disk was changed.
           The daemon, when the CA will never renew this certificate (revoked: with --step-ca, a refused renewal)
           or it expired: the files stay as they are; enroll again with a new token
  2        usage error (unknown flag, missing argument, bad flag value, --ca and --step-ca both or neither,
           no token where one is needed, a token for another --name)
  64+N     the CA answered with gRPC status N, e.g. 80 = 64+16 UNAUTHENTICATED (a bad, used or expired token;
           with --step-ca too: step-ca's HTTP 401 for a token), 67 = 64+3 INVALID_ARGUMENT (a CSR asking for names
           the token does not bind)`;

/** "SHA256 Fingerprint=AB:CD:..." as openssl prints it, or the hex alone, colons optional. */
export function parseFingerprintFlag(value: string): string {
  const normalized = normalizeFingerprint(value.replace(/^\s*sha-?256\s+fingerprint\s*=\s*/i, ''));
  if (!normalized)
    throw new UsageError(
      `bad --ca-fingerprint "${value}": not a SHA-256 fingerprint (64 hex digits, colons optional)`,
      'on the CA host: openssl x509 -in DIR/ca.crt -noout -fingerprint -sha256',
    );
  return normalized;
}

/** The CA the agent works with: certrpc's CA service (--ca) or a step-ca (--step-ca), exactly one. */
function chooseBackend(opts: { ca?: string; stepCa?: string }): CaBackend {
  if (Boolean(opts.ca) === Boolean(opts.stepCa)) {
    throw new UsageError(
      opts.ca
        ? 'give --ca or --step-ca, not both'
        : 'no CA: give --ca HOST:PORT (certrpc ca serve) or --step-ca https://HOST:PORT (a step-ca)',
      'e.g. --ca ca.internal:8443, or --step-ca https://ca.internal:9000',
    );
  }
  if (opts.stepCa) return new StepCaBackend(opts.stepCa); // a bad URL: StepCaError, option stepCaUrl (--step-ca), exit 2
  try {
    parseAddress(opts.ca!);
  } catch (err) {
    throw new UsageError(`bad --ca: ${(err as Error).message}`, 'e.g. --ca ca.internal:8443');
  }
  return new CertrpcCaBackend(opts.ca!);
}

export function agentCommand(): Command {
  const cmd = new Command('agent')
    .description(
      "keep this host's identity fresh from a CA (certrpc ca serve, or an existing step-ca): enroll with a one-time token (the key is made here, 0600), renew at 2/3 of each lifetime, " +
        "keep DIR/ca.crt (and DIR/crl.pem, from certrpc's CA) current, run --exec after each change",
    )
    .option('--ca <host:port>', 'the CA service (certrpc ca serve), dialed by a name its certificate holds')
    .option(
      '--step-ca <url>',
      "an existing smallstep step-ca, https://HOST:PORT: enrolls with a provisioner's one-time token (/1.0/sign), renews over mutual TLS (/1.0/renew); no CRL",
    )
    .requiredOption(
      '--ca-fingerprint <sha256>',
      'the SHA-256 fingerprint of the CA\'s root, as openssl x509 -fingerprint -sha256 prints it (colons optional; step-ca\'s "X.509 Root Fingerprint" too): first contact trusts only it',
    )
    .option('--dir <dir>', 'where the identity lives: NAME.crt, NAME.key, ca.crt, crl.pem (env CERTRPC_DIR)', defaultDir())
    .requiredOption('--name <name>', 'the identity: DIR/NAME.crt and DIR/NAME.key (and its name on the CA)')
    .option(
      '--token <token>',
      'one-time enrollment token (certrpc ca token; step ca token, whose subject must be NAME) when DIR/NAME.crt is missing; env CERTRPC_TOKEN keeps it out of the process list',
    )
    .option('--once', 'enroll or renew if due, update ca.crt and crl.pem, then exit (for cron and scripts)')
    .option(
      '--exec <command>',
      'run with sh -c after every change; its environment names the change: CERTRPC_AGENT_EVENT (enrolled, renewed, trust-updated), CERTRPC_AGENT_CHANGED (the files)',
    )
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .action(async (opts) => {
      const backend = chooseBackend(opts);
      const fingerprint = parseFingerprintFlag(opts.caFingerprint);
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
        throw new UsageError(`bad --log-level "${opts.logLevel}"`, `use one of ${LOG_LEVELS.join(', ')}`);
      const logger = createLogger({ level: opts.logLevel as LogLevel, name: 'certrpc-agent' });
      routeGrpcJsLogs(logger);
      const files = new AgentFiles(opts.dir, opts.name);
      const token: string | undefined = opts.token ?? process.env.CERTRPC_TOKEN ?? undefined;
      const agent = new Agent({
        backend,
        files,
        fingerprint,
        token: token?.trim() || undefined,
        exec: new ExecHook(opts.exec, { name: opts.name, dir: files.pki.dir }, logger),
        logger,
      });
      if (opts.once) {
        try {
          const r = await agent.once();
          const what = r.action === 'enrolled' ? 'enrolled' : r.action === 'renewed' ? 'renewed' : 'current';
          console.log(
            `${opts.name}: ${what}, serial ${r.serial}, expires ${r.notAfter.toISOString()}, renewal due ${r.renewAt.toISOString()}${r.notice ? ` (${r.notice})` : ''}`,
          );
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
      const signals = onStopSignals(() => stop.abort());
      try {
        await agent.run(stop.signal);
        logger.info({ event: 'stopped' }, 'stopped');
      } catch (err) {
        throw caFailure(err, agent.wrote);
      } finally {
        signals.stopped();
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
      'CERTRPC_TOKEN=$(step ca token web1 --san web1.internal) certrpc agent --step-ca https://ca.internal:9000 --ca-fingerprint 98c5a3... --dir /etc/certrpc --name web1 --once',
      'certrpc agent --step-ca https://ca.internal:9000 --ca-fingerprint 98c5a3... --dir /etc/certrpc --name web1 --exec "systemctl reload nginx"   # renews over mTLS',
    ],
    AGENT_EXIT_CODES_HELP,
  );
}

/**
 * A status from the CA is 64+N (UNAVAILABLE, a connection that failed or was refused, is 1); step-ca's
 * refusal of a token is 80 as certrpc's (UNAUTHENTICATED), its other refusals 1, a bad flag value 2.
 * Anything else goes to run-program.
 */
function caFailure(err: unknown, wrote: boolean): unknown {
  const disk = wrote ? '' : '\n  nothing on disk was changed';
  if (err instanceof StepCaError && err.reason !== 'bad-input') {
    console.error(`${errorMessage(err)}${disk}`);
    return new ExitWith(
      err.reason === 'token-refused' || err.reason === 'token-expired' ? EXIT.GRPC_STATUS_BASE + Status.UNAUTHENTICATED : EXIT.ERROR,
    );
  }
  const e = err as { code?: unknown; details?: unknown };
  if (typeof e?.code !== 'number' || typeof e.details !== 'string') return err;
  if (e.code === Status.UNAVAILABLE) {
    console.error(`certrpc: the CA could not be reached: ${e.details}${disk}`);
    return new ExitWith(EXIT.ERROR);
  }
  console.error(`certrpc: the CA refused: ${Status[e.code] ?? e.code} (${e.code}): ${e.details}${disk}`);
  return new ExitWith(EXIT.GRPC_STATUS_BASE + e.code);
}
