// The flags every command that talks to a server shares (list, describe, call, doctor): who we
// are, whom we trust, how the server must be named, how long to wait. Defined once here, so a new
// way to name an identity or reach a server is added to all of them at once.
import { Command } from 'commander';
import { resolveIdentity, ResolvedIdentity } from './identity-options';
import { parseProxyUrl } from '../../proxy/connect-client';
import { parseDialTarget } from '../../tls/address';
import { parseDuration } from '../../text/quantities';
import { UsageError } from '../exit-codes';
import { defaultDir, DIR_HELP } from '../help';
import type { ConnectionOptions } from '../../client/connection';
import { localRevocation } from './revocation-lookup';

export interface ConnectionFlags {
  identity?: string;
  dir: string;
  cacert?: string;
  cert?: string;
  key?: string;
  authority?: string;
  serverId?: string;
  proxy?: string;
  connectTimeout: string;
  /** grpcurl's flags, accepted only to say why certrpc refuses them. */
  plaintext?: boolean;
  insecure?: boolean;
}

export function addConnectionFlags(cmd: Command): Command {
  return cmd
    .option(
      '--identity <name>',
      'call as NAME: DIR/NAME.crt and DIR/NAME.key, trusting DIR/ca.crt; or a bundle file from certrpc bundle export (a path: ./alice.bundle)',
    )
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--cacert <file>', 'CA bundle the server certificate must chain to (default: DIR/ca.crt)')
    .option('--cert <file>', 'client certificate, with --key (instead of --identity)')
    .option('--key <file>', 'private key of --cert')
    .option('--authority <name>', 'verify the server certificate for NAME and send it as :authority, instead of the dialed host')
    .option('--server-id <id>', 'verify the server by this URI SAN (spiffe://...) or DNS name instead of the dialed host')
    .option(
      '--proxy <url>',
      "reach the server through certrpc's mTLS CONNECT proxy, https://HOST:PORT (your identity is presented to the proxy too)",
    )
    .option('--connect-timeout <seconds>', 'give up connecting after this time: seconds, or with a unit (500ms, 1m)', '10')
    .option(
      '--plaintext',
      "grpcurl's flag for a connection without TLS: refused, with why and what to use (certrpc speaks only mutual TLS)",
    )
    .option('--insecure', "grpcurl's flag to skip checking the server's certificate: refused, with why and what to use");
}

const USE_MTLS =
  'call as an identity: --identity NAME (DIR/NAME.crt and DIR/NAME.key, trusting DIR/ca.crt), or --cert FILE --key FILE --cacert CA_FILE';

/** grpcurl users reach for -plaintext and -insecure; certrpc answers with why not, and what to type instead. */
function refuseInsecureFlags(flags: ConnectionFlags): void {
  if (flags.plaintext) {
    throw new UsageError(
      '--plaintext is refused: certrpc speaks only mutual TLS. Your client certificate is who you are to the server (its policy decides from it what you may call), and TLS keeps the calls private; a plaintext connection carries neither',
      `${USE_MTLS}; a server that serves plaintext only is served over mutual TLS with certrpc serve, or createInterceptor with ServerCredentials.createSsl(ca, pairs, true)`,
    );
  }
  if (flags.insecure) {
    throw new UsageError(
      "--insecure is refused: certrpc always checks the server's certificate, since without that check whoever sits between you and the server can pose as it and read and change every call",
      "trust the CA that signed the server's certificate with --cacert FILE (default DIR/ca.crt); when its certificate names another host than the one you dial, verify it under that name with --authority NAME, or by its URI SAN with --server-id spiffe://...; certrpc doctor ADDRESS shows the names it has",
    );
  }
}

/** A timeout flag ("2.5" seconds, "500ms", "1m") -> ms, more than 0; a bad value is a usage error naming the flag. */
export function parseTimeout(value: string, flag: string): number {
  return parseDuration(value, { bare: 's', min: 1, option: flag });
}

function checkProxyUrl(url: string): void {
  try {
    parseProxyUrl(url);
  } catch (err) {
    throw new UsageError(
      (err as Error).message.replace(/^bad proxy URL/, 'bad --proxy'),
      'e.g. --proxy https://10.0.0.2:3129 (a certrpc proxy)',
    );
  }
}

export function checkAddress(address: string): string {
  try {
    parseDialTarget(address);
  } catch (err) {
    throw new UsageError((err as Error).message, 'the first argument is the server address, e.g. 127.0.0.1:50051 or unix:///run/api.sock');
  }
  return address;
}

/** Reads the identity files and builds what RpcConnection needs; bad files/flags throw before any socket opens. */
export function connectionFromFlags(address: string, flags: ConnectionFlags): { options: ConnectionOptions; identity: ResolvedIdentity } {
  refuseInsecureFlags(flags);
  checkAddress(address);
  const connectTimeoutMs = parseTimeout(flags.connectTimeout, '--connect-timeout');
  if (flags.proxy) checkProxyUrl(flags.proxy);
  if (flags.proxy && parseDialTarget(address).kind === 'unix')
    throw new UsageError(
      `--proxy cannot reach ${address}: a unix socket is a file on this machine`,
      'leave out --proxy, or dial the server as HOST:PORT',
    );
  const identity = resolveIdentity({
    identity: flags.identity,
    dir: flags.dir,
    cacert: flags.cacert,
    cert: flags.cert,
    key: flags.key,
    serverId: flags.serverId,
  });
  const { certPem, caPem } = identity.tls;
  const revocation = certPem ? () => localRevocation(certPem, caPem, flags.dir) : undefined;
  return {
    options: { address, tls: identity.tls, authority: flags.authority, connectTimeoutMs, proxy: flags.proxy, localRevocation: revocation },
    identity,
  };
}

/** The `certrpc doctor` line that checks the same connection step by step: what a failed call suggests. */
export function doctorCommandFor(address: string, flags: ConnectionFlags): string {
  const args = ['certrpc', 'doctor', address];
  const add = (flag: string, value: string | undefined) => value !== undefined && args.push(flag, value);
  add('--identity', flags.identity);
  add('--cert', flags.cert);
  add('--key', flags.key);
  add('--cacert', flags.cacert);
  if (flags.dir !== defaultDir()) add('--dir', flags.dir);
  add('--authority', flags.authority);
  add('--server-id', flags.serverId);
  add('--proxy', flags.proxy);
  if (flags.connectTimeout !== '10') add('--connect-timeout', flags.connectTimeout);
  return args.map(shellWord).join(' ');
}

/** A word as a POSIX shell reads it back: plain when it is safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
