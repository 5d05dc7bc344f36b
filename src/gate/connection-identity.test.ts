// The per-connection identity's two small contracts, on their own (the real thing, behind grpc-js's
// own TLS listener, is test/gate/connection-identity.test.ts): which call objects yield a connection
// key, and what remembering a connection does to its socket. Node's HTTP/2 server already disables
// renegotiation on every socket it accepts (lib/internal/http2/core.js, connectionListener), so a
// real session cannot show the gate's own request; these objects stand in for its socket proxy.
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import { connectionOf, ConnectionIdentities, ConnectionIdentity } from './connection-identity';

const asCall = (shape: unknown) => shape as ServerInterceptingCallInterface;
const known = { peer: '127.0.0.1:1' } as ConnectionIdentity;

describe('connectionOf', () => {
  it("is the call's HTTP/2 session when there is one, and undefined for any other shape", () => {
    const session = {};
    expect(connectionOf(asCall({ stream: { session } }))).toBe(session);
    for (const other of [
      {},
      { stream: {} },
      { stream: { session: null } },
      { stream: { session: 'session' } },
      { stream: { session: 7 } },
    ]) {
      expect(connectionOf(asCall(other))).toBeUndefined();
    }
  });
});

describe('ConnectionIdentities.remember', () => {
  it("keeps the identity and has the connection's socket refuse renegotiation from then on", () => {
    const disableRenegotiation = jest.fn();
    const session = { socket: { disableRenegotiation } };
    const identities = new ConnectionIdentities();
    identities.remember(session, known);
    expect(disableRenegotiation).toHaveBeenCalledTimes(1);
    expect(identities.get(session)).toBe(known);
    expect(identities.get({ socket: { disableRenegotiation } })).toBeUndefined();
  });

  it('keeps nothing for a session whose socket can no longer be reached (its proxy throws ERR_HTTP2_SOCKET_UNBOUND)', () => {
    const session = {
      get socket(): never {
        throw Object.assign(new Error('The socket has been disconnected from the Http2Session'), { code: 'ERR_HTTP2_SOCKET_UNBOUND' });
      },
    };
    const identities = new ConnectionIdentities();
    identities.remember(session, known);
    expect(identities.get(session)).toBeUndefined();
  });
});
