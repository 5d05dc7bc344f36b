// A connection that failed, to a server or to the CONNECT proxy on the way: which side refused,
// why and the fix (from a TLS probe with the same material, or the proxy's answer).
import { CertrpcError } from '../errors/certrpc-error';
import { formatFailure, TlsFailure } from './failure-reasons';

export class ConnectionError extends CertrpcError {
  constructor(readonly failure: TlsFailure) {
    super(formatFailure(failure), { code: failure.side === 'proxy' ? 'TUNNEL_REFUSED' : 'CONNECTION_FAILED', fix: failure.fix });
  }

  /** The message already ends with the fix. */
  describe(): string {
    return this.message;
  }
}
