// What a peer may hold before it has proved who it is. Node's tls.Server only offers
// `handshakeTimeout`, an IDLE timer that every byte resets: a peer that drips its ClientHello one
// byte at a time, or many idle TCP sockets from one address, would hold connection slots
// (maxConnections) forever and lock everyone else out. The guard adds, per raw TCP connection:
// - a hello deadline: a peer that sent no byte within helloTimeoutMs is dropped;
// - an absolute handshake deadline: not secured within handshakeTimeoutMs of accept, dropped;
// - a cap on handshakes in progress per source address, so one host cannot take every slot.
import type { Socket } from 'node:net';
import { canonicalPeerAddress, peerOf } from './peer-address';

export interface HandshakeGuardLimits {
  helloTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxHandshakesPerAddress: number;
}

export type GuardRefusal = 'ERR_TLS_HELLO_TIMEOUT' | 'ERR_TLS_HANDSHAKE_TIMEOUT' | 'TOO_MANY_HANDSHAKES_FROM_ADDRESS';

interface Pending {
  address: string;
  timers: NodeJS.Timeout[];
}

export class HandshakeGuard {
  /** Handshakes in progress by "address:port" (the key both the raw and the TLS socket report). */
  private readonly pending = new Map<string, Pending>();
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly limits: HandshakeGuardLimits,
    private readonly refuse: (raw: Socket, code: GuardRefusal) => void,
  ) {}

  /** A TCP connection was accepted: start its clocks, or refuse it if its address holds too many handshakes. */
  accepted(raw: Socket): void {
    if (raw.remoteAddress === undefined) return; // reset before accept: Node drops it on its own
    const address = canonicalPeerAddress(raw.remoteAddress);
    const key = peerOf(raw);
    const count = (this.perAddress.get(address) ?? 0) + 1;
    if (count > this.limits.maxHandshakesPerAddress) return this.refuse(raw, 'TOO_MANY_HANDSHAKES_FROM_ADDRESS');
    this.perAddress.set(address, count);
    const entry: Pending = { address, timers: [] };
    this.pending.set(key, entry);
    const drop = (code: GuardRefusal) => {
      this.release(key);
      this.refuse(raw, code);
    };
    // bytesRead counts what TLS consumed from the raw socket: zero means not even a ClientHello byte.
    entry.timers.push(setTimeout(() => raw.bytesRead === 0 && drop('ERR_TLS_HELLO_TIMEOUT'), this.limits.helloTimeoutMs).unref());
    entry.timers.push(setTimeout(() => drop('ERR_TLS_HANDSHAKE_TIMEOUT'), this.limits.handshakeTimeoutMs).unref());
    raw.once('close', () => this.release(key));
  }

  /** The handshake completed (or failed and was reported): the peer no longer counts as pending. */
  settled(peer: { remoteAddress?: string; remotePort?: number }): void {
    if (peer.remoteAddress !== undefined) this.release(peerOf(peer));
  }

  private release(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    this.pending.delete(key);
    for (const t of entry.timers) clearTimeout(t);
    const left = (this.perAddress.get(entry.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(entry.address, left);
    else this.perAddress.delete(entry.address);
  }
}
