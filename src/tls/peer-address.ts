// How a peer's address is written in logs, metrics and per-address limits: one form per address.
import { formatHostPort } from '../text/host-port';

/** An IPv4 peer on a dual-stack socket arrives as "::ffff:1.2.3.4": it is the host 1.2.3.4. */
export function canonicalPeerAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

/**
 * "ip:port" of a socket, or "unknown peer" when the connection was reset before its address could
 * be read (the kernel no longer knows it; there is nothing else to report).
 */
export function peerOf(socket: { remoteAddress?: string; remotePort?: number } | undefined): string {
  if (socket?.remoteAddress === undefined) return 'unknown peer (reset before its address was read)';
  return formatHostPort(canonicalPeerAddress(socket.remoteAddress), socket.remotePort ?? 0);
}
