import { parseAddress } from '../tls/address';
import { UsageError } from './exit-codes';

/** "HOST:PORT", "[v6]:PORT" or ":PORT" (127.0.0.1), with --port overriding the port: --listen of proxy and ca serve. */
export function listenAddress(listen: string, port?: string, example = '127.0.0.1:3129'): { host: string; port: number } {
  const withHost = listen.startsWith(':') ? `127.0.0.1${listen}` : listen;
  let address: { host: string; port: number };
  try {
    address = parseAddress(withHost);
  } catch {
    throw new UsageError(
      `bad --listen "${listen}"`,
      `write HOST:PORT, e.g. ${example}, 0.0.0.0:${example.split(':')[1]} (every interface) or :0 (a free port on 127.0.0.1)`,
    );
  }
  if (port === undefined) return address;
  if (!/^\d+$/.test(port) || Number(port) > 65535)
    throw new UsageError(`bad --port "${port}"`, 'give a port number 0-65535 (0 picks a free one)');
  return { host: address.host, port: Number(port) };
}
