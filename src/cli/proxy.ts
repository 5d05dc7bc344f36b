import { Command } from 'commander';
import { CompiledPolicy } from '../authz/compiled-policy';
import { decideConnect } from '../authz/connect-rules';
import { watchPolicyFile } from '../authz/policy-watcher';
import { createLogger, LOG_LEVELS, LogLevel } from '../log/logger';
import { ConnectAuthorizer, ConnectProxy } from '../proxy/connect-proxy';
import { FileReloader } from '../store/file-reloader';
import { onStopSignals } from '../server/stop-signals';
import { PkiDir } from '../store/pki-dir';
import { formatHostPort } from '../text/host-port';
import { describeTls, LoadedTls, loadTlsMaterial } from '../tls/tls-material-files';
import { UsageError } from './exit-codes';
import { listenAddress } from './listen-address';
import { collect, defaultDir, DIR_HELP, withHelp } from './help';
import { parseTimeout } from './rpc/connection-flags';
import { preflightServerIdentity } from './serve-preflight';

export function proxyCommand(): Command {
  const cmd = new Command('proxy')
    .description(
      'run an mTLS CONNECT proxy: clients with a trusted certificate open tunnels to HOST:PORT targets their roles allow (policy connect: rules)',
    )
    .option('--listen <host:port>', 'address to listen on (:PORT is 127.0.0.1:PORT; 0 picks a free port)', '127.0.0.1:3129')
    .option('--port <port>', 'port to listen on, overriding the one in --listen')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--name <name>', "the proxy's own identity in DIR: NAME.crt and NAME.key (a server certificate)", 'proxy')
    .option('--client-ca <file>', 'trust client certificates signed by this CA (repeatable; default DIR/ca.crt)', collect)
    .option('--crl <file>', 'refuse certificates revoked in this CRL file, reloaded when it changes (default DIR/crl.pem when it exists)')
    .option(
      '--policy <file>',
      'authorization policy whose connect: rules decide tunnels by role (reloaded when it changes); without it every tunnel is refused',
    )
    .option(
      '--connect-timeout <seconds>',
      'how long connecting to a target may take before the client gets 504: seconds, or with a unit (500ms)',
      '10',
    )
    .option('--log-level <level>', `log level: ${LOG_LEVELS.join(', ')}`, 'info')
    .action(async (opts) => {
      const { host, port } = listenAddress(opts.listen, opts.port);
      if (!(LOG_LEVELS as readonly string[]).includes(opts.logLevel))
        throw new UsageError(`bad --log-level "${opts.logLevel}"`, `use one of ${LOG_LEVELS.join(', ')}`);
      const connectTimeoutMs = parseTimeout(opts.connectTimeout, '--connect-timeout');
      const logger = createLogger({ level: opts.logLevel as LogLevel, name: 'certrpc-proxy' });
      const pki = new PkiDir(opts.dir);
      // The same checks as serve, before anything is read: a private key, a server certificate, CAs in ca.crt.
      preflightServerIdentity(pki, opts.name, logger, opts.clientCa, 'proxy');
      pki.loadIdentity(opts.name); // a clear message (and the issue command) when the identity is missing
      // Made from the first load; a reload later finds it here.
      const running: { proxy?: ConnectProxy } = {};
      const tls = await FileReloader.start<LoadedTls>({
        what: 'TLS material',
        files: [pki.certFile(opts.name), pki.keyFile(opts.name), ...(opts.clientCa ?? [pki.caCertFile]), opts.crl ?? pki.crlFile],
        load: (inForce) =>
          loadTlsMaterial(
            {
              certFile: pki.certFile(opts.name),
              keyFile: pki.keyFile(opts.name),
              caFiles: opts.clientCa ?? [pki.caCertFile],
              crlFile: opts.crl ?? pki.crlFile,
              revocationsFile: pki.revocationsFile,
            },
            inForce,
          ),
        apply: (loaded) => running.proxy?.updateTls(loaded.material),
        describe: describeTls,
        logger,
      });
      // Every accepted policy change decides the open tunnels again.
      const policy = opts.policy ? watchPolicyFile(opts.policy, { logger, reloaded: () => running.proxy?.reauthorize() }) : undefined;
      if (!policy) logger.warn('no --policy FILE: this proxy refuses every tunnel (allow targets with connect: rules in a policy)');
      const authorize: ConnectAuthorizer = (identity, target, addresses) =>
        decideConnect(policy?.current ?? NO_TUNNELS, identity, target, addresses);
      logger.info(
        { ...describeTls(tls.current), policy: opts.policy },
        `trusting client certificates from: ${tls.current.cas.map((c) => c.subject).join('; ')}`,
      );
      const proxy = (running.proxy = new ConnectProxy({ tls: tls.current.material, authorize, logger, connectTimeoutMs }));
      const bound = await proxy.listen(host, port);
      // SIGTERM/SIGINT: close the listener and the open tunnels (up to 5 s), stop the watchers, exit 0.
      // The handlers go in before the line below: a supervisor may send SIGTERM the moment it reads it.
      const stopped = new Promise<void>((resolve) => {
        const signals = onStopSignals((signal) => {
          logger.info({ signal, tunnels: proxy.tunnelCount }, 'shutting down');
          void proxy.close(5000).then(() => {
            tls.close();
            policy?.close();
            signals.stopped();
            resolve();
          });
        });
      });
      // Scripts and tests read the port from this exact line.
      console.log(`listening on ${formatHostPort(bound.host, bound.port)}`);
      await stopped;
    });
  return withHelp(cmd, [
    'certrpc cert issue proxy --server --san DNS:proxy.internal,IP:10.0.0.2 && certrpc proxy --listen 0.0.0.0:3129 --policy policy.yaml',
    'certrpc proxy --listen :0 --policy policy.yaml   # prints "listening on 127.0.0.1:PORT"',
    'certrpc call 10.0.0.5:50051 certrpc.v1.Identity/WhoAmI --identity alice --proxy https://10.0.0.2:3129',
    'curl --proxy https://10.0.0.2:3129 --proxy-cacert certs/ca.crt --proxy-cert certs/alice.crt --proxy-key certs/alice.key ...',
  ]);
}

/** The policy without --policy: no connect rules, so every tunnel is refused with that reason. */
const NO_TUNNELS = new CompiledPolicy({ name: 'none (no --policy)', format: 'builtin', roles: [], rules: [], audit: { mode: 'all' } });
