// Keepalive enforcement, which grpc-js servers lack (gRPC core calls it the ping policy: a client
// that pings too often gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings"). Pings cost the server a
// write each; a client pinging in a loop is either broken or hostile. grpc-js clients that receive
// "too_many_pings" double their keepalive interval, so well-behaved clients recover.
import { constants, ServerHttp2Session } from 'node:http2';
import { peerOf } from '../tls/peer-address';

export interface PingPolicy {
  /** A ping sooner than this after the previous one, with no new call in between, is a strike. */
  minIntervalMs: number;
  /** Strikes allowed; the next one closes the connection. */
  maxStrikes: number;
}

export const TOO_MANY_PINGS = Buffer.from('too_many_pings', 'ascii');

/** Applies the policy to one HTTP/2 session; onViolation is told before the connection is closed. */
export function enforcePingPolicy(session: ServerHttp2Session, policy: PingPolicy, onViolation: (peer: string) => void, now: () => number = Date.now): void {
  let lastPing = -Infinity;
  let strikes = 0;
  let closing = false;
  // A new call resets the count: pings between calls are how clients keep connections warm.
  session.on('stream', () => {
    lastPing = -Infinity;
    strikes = 0;
  });
  session.on('ping', () => {
    if (closing) return; // pings already in flight after the GOAWAY
    const t = now();
    if (t - lastPing < policy.minIntervalMs && ++strikes > policy.maxStrikes) {
      closing = true;
      const socket = session.socket;
      onViolation(peerOf(socket));
      if (session.closed || session.destroyed) return;
      // GOAWAY first, so the client learns why; then close, and cut it if it lingers.
      session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM, 0, TOO_MANY_PINGS);
      session.close();
      setTimeout(() => session.destroy(), 1000).unref();
      return;
    }
    lastPing = t;
  });
}
