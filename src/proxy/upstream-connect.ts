// Connects to exactly the addresses a decision allowed, in their order, until one answers. Only IP
// addresses ever get here: net.connect looks nothing up for them, and the lookup given below refuses
// anything else, so no spelling is ever resolved a second time behind the decision's back.
import { connect, isIP, LookupFunction, Socket } from 'node:net';

export interface Upstream {
  socket: Socket;
  /** The address it connected to. */
  address: string;
}

const noLookup: LookupFunction = (hostname, _options, callback) =>
  callback(
    Object.assign(new Error(`refusing to resolve "${hostname}": the proxy connects only to addresses it decided on`), { code: 'EINVAL' }),
    '',
    0,
  );

/** Tries each address in turn within one overall deadline; rejects with the last error (err.code kept). */
export function connectUpstream(addresses: readonly string[], port: number, timeoutMs: number, signal: AbortSignal): Promise<Upstream> {
  return new Promise((resolve, reject) => {
    let current: Socket | undefined;
    let done = false;
    const finish = (err?: Error, upstream?: Upstream) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      signal.removeEventListener('abort', abort);
      if (err) {
        current?.destroy();
        reject(err);
      } else resolve(upstream!);
    };
    const deadline = setTimeout(
      () => finish(Object.assign(new Error(`no connection within ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    const abort = () => finish(Object.assign(new Error('the client went away'), { code: 'ECONNABORTED' }));
    signal.addEventListener('abort', abort);
    let lastError: Error = Object.assign(new Error('no address to connect to'), { code: 'EADDRNOTAVAIL' });
    const attempt = (i: number) => {
      if (done) return;
      if (i >= addresses.length) return finish(lastError);
      const address = addresses[i];
      if (isIP(address) === 0) return finish(Object.assign(new Error(`"${address}" is not an IP address`), { code: 'EINVAL' }));
      const socket = connect({ host: address, port, lookup: noLookup });
      current = socket;
      const failed = (err: Error) => {
        socket.destroy();
        lastError = err;
        attempt(i + 1);
      };
      socket.once('error', failed);
      socket.once('connect', () => {
        socket.off('error', failed);
        finish(undefined, { socket, address });
      });
    };
    if (signal.aborted) return abort();
    attempt(0);
  });
}
