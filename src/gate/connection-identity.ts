// A caller's identity per connection, not per call. Behind grpc-js's own TLS listener every
// getAuthContext() makes Node rebuild the peer certificate object (DER copy, three fingerprints,
// names: ~50 us a call, docs/BENCHMARKS.md), and every getPeer() builds the address string again.
// Both are facts of the connection, so the gate resolves them at its first call and keeps them,
// keyed by the connection's HTTP/2 session (held weakly: they go with it).
//
// Sound because the peer of a TLS connection cannot change under it: renegotiation (TLS 1.2; 1.3
// has none) is refused, so the certificate read at the first call is the connection's for its whole
// life. Node's HTTP/2 server disables it on every socket it accepts (connectionListener), certrpc's
// own listener refuses it at admission, and the gate asks once more, not relying on either.
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import type { PeerIdentity } from './peer-identity';

export interface ConnectionIdentity {
  identity: PeerIdentity;
  /** The peer's address as "ip:port" (what getPeer() says). */
  peer: string;
}

interface SessionLike {
  socket?: { disableRenegotiation?: () => void };
}

/**
 * The HTTP/2 session a call arrived on, when the gate is grpc-js's first interceptor (it then holds
 * grpc-js's own call object, whose `stream` is the request's HTTP/2 stream). grpc-js does not make
 * this public; any other shape gives undefined and the gate reads the certificate per call, as
 * before (test/gate/connection-identity.test.ts fails if a grpc-js upgrade takes this path away).
 */
export function connectionOf(call: ServerInterceptingCallInterface): object | undefined {
  const session = (call as unknown as { stream?: { session?: unknown } }).stream?.session;
  return typeof session === 'object' && session !== null ? session : undefined;
}

export class ConnectionIdentities {
  private readonly bySession = new WeakMap<object, ConnectionIdentity>();

  get(session: object): ConnectionIdentity | undefined {
    return this.bySession.get(session);
  }

  /** Keeps the connection's identity; its TLS socket refuses renegotiation from now on. */
  remember(session: object, known: ConnectionIdentity): void {
    try {
      // Through Node's session.socket proxy (undefined once the socket is gone); a proxy that throws
      // (ERR_HTTP2_SOCKET_UNBOUND) keeps nothing: the next call reads the certificate again.
      (session as SessionLike).socket?.disableRenegotiation?.();
    } catch {
      return;
    }
    this.bySession.set(session, known);
  }
}
