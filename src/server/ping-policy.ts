// Keepalive enforcement, which grpc-js servers lack (gRPC core calls it the ping policy: a client
// that pings too often gets GOAWAY ENHANCE_YOUR_CALM "too_many_pings"). Pings cost the server a
// write each; a client pinging in a loop is either broken or hostile. grpc-js clients that receive
// "too_many_pings" double their keepalive interval, so well-behaved clients recover.
//
// What counts as "too often" follows gRPC's own servers (chttp2's ping abuse policy, grpc-go's
// handlePing): the count starts over when the client starts a call AND whenever the server has
// written call traffic (DATA, HEADERS, WINDOW_UPDATE) since the client's previous ping. grpc-go and
// gRPC C-core clients ping while they receive data, to size their flow-control window (BDP
// probes); without that second rule every such client had its connection closed a few messages
// into a stream (docs/BENCHMARKS.md, "Streaming: what it was").
import { constants, ServerHttp2Session } from 'node:http2';
import { peerOf } from '../tls/peer-address';

export interface PingPolicy {
  /** A ping sooner than this after the previous one, with no call traffic in between, is a strike. */
  minIntervalMs: number;
  /** Strikes allowed; the next one closes the connection. */
  maxStrikes: number;
}

export const TOO_MANY_PINGS = Buffer.from('too_many_pings', 'ascii');

/** HTTP/2 bytes the server owes for frames the client itself asks for: a PING ACK (RFC 9113 6.7) and a SETTINGS ACK (6.5). */
const PING_ACK_BYTES = 9 + 8;
const SETTINGS_ACK_BYTES = 9;

/**
 * Whether the server has written anything beyond the acknowledgements the client's own PING and
 * SETTINGS frames ask for: the socket counts every HTTP/2 byte the session hands to TLS
 * (net.Socket#bytesWritten, cleartext), so "written minus owed" only grows with call traffic.
 * An acknowledgement still queued when the next ping arrives reads as no traffic: a strike, never a pardon.
 */
function callTrafficMeter(session: ServerHttp2Session): { sentSinceLastCheck(): boolean; owe(bytes: number): void } {
  const written = () => session.socket?.bytesWritten ?? 0;
  let owed = 0;
  let surplusAtLastCheck = written();
  return {
    sentSinceLastCheck() {
      const surplus = written() - owed;
      const sent = surplus > surplusAtLastCheck;
      surplusAtLastCheck = Math.max(surplusAtLastCheck, surplus);
      return sent;
    },
    owe(bytes) {
      owed += bytes;
    },
  };
}

/** Applies the policy to one HTTP/2 session; onViolation is told before the connection is closed. */
export function enforcePingPolicy(
  session: ServerHttp2Session,
  policy: PingPolicy,
  onViolation: (peer: string) => void,
  now: () => number = Date.now,
): void {
  let lastPing = -Infinity;
  let strikes = 0;
  let closing = false;
  const traffic = callTrafficMeter(session);
  const forgive = () => {
    lastPing = -Infinity;
    strikes = 0;
  };
  // A new call resets the count: pings between calls are how clients keep connections warm.
  session.on('stream', forgive);
  session.on('remoteSettings', () => traffic.owe(SETTINGS_ACK_BYTES));
  session.on('ping', () => {
    if (closing) return; // pings already in flight after the GOAWAY
    // Call traffic since the previous ping: a client measuring bandwidth, not one pinging in a loop.
    if (traffic.sentSinceLastCheck()) forgive();
    traffic.owe(PING_ACK_BYTES);
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
