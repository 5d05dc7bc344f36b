// grpc-js asks the connection for its peer certificate on EVERY call (getAuthContext() ->
// socket.getPeerCertificate()), and Node rebuilds that object each time: DER copy, SHA-1/256/512
// fingerprints, names parsed. Measured at ~50 us a call, a quarter of a small unary call's server
// CPU (docs/BENCHMARKS.md). The certificate verified at the handshake is what the connection's
// calls must be judged by, so it is read once and pinned to the socket.

import type { PeerCertificate, TLSSocket } from 'node:tls';

/**
 * From now on `socket.getPeerCertificate()` returns `verified` (the detailed form, with the chain,
 * is still read fresh). Renegotiation is refused, so the peer cannot swap certificates under a
 * pinned one (TLS 1.2 allows a client to renegotiate; 1.3 has no renegotiation).
 */
export function pinPeerCertificate(socket: TLSSocket, verified: PeerCertificate): void {
  socket.disableRenegotiation();
  const read = socket.getPeerCertificate.bind(socket);
  Object.freeze(verified);
  socket.getPeerCertificate = ((detailed?: boolean) => (detailed ? read(true) : verified)) as TLSSocket['getPeerCertificate'];
}
