// ConnectionError: the code a caller (and the CLI's exit wording) branches on tells a refused CONNECT
// tunnel from a failed connection to the server; the message is the failure in words, ending with the fix.
import { CertrpcError } from '../errors/certrpc-error';
import { ConnectionError } from './connection-error';
import { TlsFailure } from './failure-reasons';

describe('ConnectionError', () => {
  it('a proxy that refused the tunnel: TUNNEL_REFUSED, with the fix', () => {
    const failure: TlsFailure = { side: 'proxy', code: '407', reason: 'the proxy wants credentials', fix: 'set the proxy credentials' };
    const err = new ConnectionError(failure);
    expect(err).toBeInstanceOf(CertrpcError);
    expect(err).toMatchObject({ name: 'ConnectionError', code: 'TUNNEL_REFUSED', fix: 'set the proxy credentials', failure });
    expect(err.message).toBe('the proxy refused the tunnel: the proxy wants credentials [407]\n  fix: set the proxy credentials');
    expect(err.describe()).toBe(err.message);
  });

  it('every other side: CONNECTION_FAILED', () => {
    for (const side of ['network', 'client', 'server', 'protocol'] as const) {
      const err = new ConnectionError({ side, code: 'X', reason: 'why', fix: 'do this' });
      expect({ code: err.code, fix: err.fix }).toEqual({ code: 'CONNECTION_FAILED', fix: 'do this' });
    }
  });
});
