// The flags every command that talks to a server shares (list, describe, call, doctor): who we
// are, whom we trust, how the server must be named, how long to wait. Defined once here, so a new
// way to name an identity or reach a server is added to all of them at once.
import { Command } from 'commander';
import { resolveIdentity, ResolvedIdentity } from './identity-options';
import { parseProxyUrl } from '../../proxy/connect-client';
import { parseAddress } from '../../tls/address';
import { UsageError } from '../exit-codes';
import { defaultDir, DIR_HELP } from '../help';
import type { ConnectionOptions } from '../../client/connection';

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
}

export function addConnectionFlags(cmd: Command): Command {
  return cmd
    .option('--identity <name>', 'call as NAME: DIR/NAME.crt and DIR/NAME.key, trusting DIR/ca.crt; or a bundle file from certrpc bundle export (a path: ./alice.bundle)')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--cacert <file>', 'CA bundle the server certificate must chain to (default: DIR/ca.crt)')
    .option('--cert <file>', 'client certificate, with --key (instead of --identity)')
    .option('--key <file>', 'private key of --cert')
    .option('--authority <name>', 'verify the server certificate for NAME and send it as :authority, instead of the dialed host')
    .option('--server-id <id>', 'verify the server by this URI SAN (spiffe://...) or DNS name instead of the dialed host')
    .option('--proxy <url>', "reach the server through certrpc's mTLS CONNECT proxy, https://HOST:PORT (your identity is presented to the proxy too)")
    .option('--connect-timeout <seconds>', 'give up connecting after this many seconds', '10');
}

/** Seconds as given on the command line ("2", "0.5") -> ms; a bad value is a usage error naming the flag. */
export function parseSeconds(value: string, flag: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(seconds > 0)) throw new UsageError(`bad ${flag} "${value}"`, `give a number of seconds greater than 0, e.g. ${flag} 2.5`);
  return Math.round(seconds * 1000);
}

function checkProxyUrl(url: string): void {
  try {
    parseProxyUrl(url);
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^bad proxy URL/, 'bad --proxy'), 'e.g. --proxy https://10.0.0.2:3129 (a certrpc proxy)');
  }
}

export function checkAddress(address: string): string {
  try {
    parseAddress(address);
  } catch (err) {
    throw new UsageError((err as Error).message, 'the first argument is the server address, e.g. 127.0.0.1:50051');
  }
  return address;
}

/** Reads the identity files and builds what RpcConnection needs; bad files/flags throw before any socket opens. */
export function connectionFromFlags(address: string, flags: ConnectionFlags): { options: ConnectionOptions; identity: ResolvedIdentity } {
  checkAddress(address);
  const connectTimeoutMs = parseSeconds(flags.connectTimeout, '--connect-timeout');
  const identity = resolveIdentity({ identity: flags.identity, dir: flags.dir, cacert: flags.cacert, cert: flags.cert, key: flags.key, serverId: flags.serverId });
  if (flags.proxy) checkProxyUrl(flags.proxy);
  return { options: { address, tls: identity.tls, authority: flags.authority, connectTimeoutMs, proxy: flags.proxy }, identity };
}
