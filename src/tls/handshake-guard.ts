// What a peer may hold before it has proved who it is. Node's tls.Server only offers
// `handshakeTimeout`, an IDLE timer that every byte resets: a peer that drips its ClientHello one
// byte at a time, or many idle TCP sockets from one address, would hold connection slots
// (maxConnections) forever and lock everyone else out. The guard adds, per raw TCP connection:
// - a hello deadline: a peer that sent no byte within helloTimeoutMs is dropped;
// - an absolute handshake deadline: not secured within handshakeTimeoutMs of accept, dropped;
// - a cap on handshakes in progress per source address, so one host cannot take every slot.
// It runs for every connection, so it keeps its state on the socket and arms one timer (the hello
// deadline, re-armed for the rest of the handshake deadline once the peer has spoken): no address
// strings, maps or closures per connection (docs/BENCHMARKS.md, the new-connection row).
import type { Socket } from 'node:net';
import { canonicalPeerAddress } from './peer-address';

export interface HandshakeGuardLimits {
  helloTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxHandshakesPerAddress: number;
}

export type GuardRefusal = 'ERR_TLS_HELLO_TIMEOUT' | 'ERR_TLS_HANDSHAKE_TIMEOUT' | 'TOO_MANY_HANDSHAKES_FROM_ADDRESS';

/** A handshake in progress: on its raw socket from accept until it settles, is dropped or closes. */
const PENDING = Symbol('certrpc.handshakePending');

interface Pending {
  guard: HandshakeGuard;
  /** The canonical source address it counts against. */
  address: string;
  timer: NodeJS.Timeout;
}

type GuardedSocket = Socket & { [PENDING]?: Pending };

export class HandshakeGuard {
  /** Handshakes in progress by canonical source address (an address with none is not kept). */
  private readonly perAddress = new Map<string, number>();

  constructor(
    private readonly limits: HandshakeGuardLimits,
    private readonly refuse: (raw: Socket, code: GuardRefusal) => void,
  ) {}

  /** A TCP connection was accepted: start its clock, or refuse it if its address holds too many handshakes. */
  accepted(raw: Socket): void {
    if (raw.remoteAddress === undefined) return; // reset before accept: Node drops it on its own
    const address = canonicalPeerAddress(raw.remoteAddress);
    const count = (this.perAddress.get(address) ?? 0) + 1;
    if (count > this.limits.maxHandshakesPerAddress) return this.refuse(raw, 'TOO_MANY_HANDSHAKES_FROM_ADDRESS');
    this.perAddress.set(address, count);
    const { helloTimeoutMs, handshakeTimeoutMs } = this.limits;
    const helloFirst = helloTimeoutMs <= handshakeTimeoutMs;
    const deadline: (socket: GuardedSocket) => void = helloFirst ? atHelloDeadline : atHandshakeDeadline;
    const timer = setTimeout(deadline, helloFirst ? helloTimeoutMs : handshakeTimeoutMs, raw as GuardedSocket);
    (raw as GuardedSocket)[PENDING] = { guard: this, address, timer: timer.unref() };
    raw.on('close', releaseOnClose);
  }

  /** The handshake of this raw socket completed (or failed and was reported): it no longer counts as pending. */
  settled(raw: object | undefined): void {
    if (raw) this.release(raw as GuardedSocket);
  }

  /** Ends a handshake's deadline and gives its slot back (once: later calls find nothing). */
  release(raw: GuardedSocket): void {
    const pending = raw[PENDING];
    if (!pending) return;
    raw[PENDING] = undefined;
    clearTimeout(pending.timer);
    const left = (this.perAddress.get(pending.address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(pending.address, left);
    else this.perAddress.delete(pending.address);
  }

  /** Past a deadline: the slot is given back first, then the peer is refused. */
  drop(raw: GuardedSocket, code: GuardRefusal): void {
    this.release(raw);
    this.refuse(raw, code);
  }

  /** The hello deadline passed: a silent peer is dropped; one that spoke has the rest of the handshake deadline. */
  helloDeadline(raw: GuardedSocket): void {
    const pending = raw[PENDING];
    if (!pending) return;
    // bytesRead counts what TLS consumed from the raw socket: zero means not even a ClientHello byte.
    if (raw.bytesRead === 0) return this.drop(raw, 'ERR_TLS_HELLO_TIMEOUT');
    const rest = this.limits.handshakeTimeoutMs - this.limits.helloTimeoutMs;
    if (rest <= 0) return this.drop(raw, 'ERR_TLS_HANDSHAKE_TIMEOUT');
    pending.timer = setTimeout(atHandshakeDeadline, rest, raw).unref();
  }
}

// Shared by every connection (the socket comes as the timer's argument, or as `this` of its event):
// nothing is allocated per connection for them.
function atHelloDeadline(raw: GuardedSocket): void {
  raw[PENDING]?.guard.helloDeadline(raw);
}

function atHandshakeDeadline(raw: GuardedSocket): void {
  raw[PENDING]?.guard.drop(raw, 'ERR_TLS_HANDSHAKE_TIMEOUT');
}

function releaseOnClose(this: GuardedSocket): void {
  this[PENDING]?.guard.release(this);
}
