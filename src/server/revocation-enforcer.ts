// Revocation on a running server, beyond the handshake: when a new CRL lists a certificate, the
// calls it has open (a Watch stream, say) end at once with a status that says it was revoked and
// when, its further calls are refused by the revocation stage, and after a short grace (so those
// refusals can still say why) its connections are closed: a reconnect then meets the CRL at the
// handshake. Calls are tracked per serial from admission (observer) to their end (endObserver).
import { Metadata } from '@grpc/grpc-js';
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import type { TLSSocket } from 'node:tls';
import type { PeerIdentity } from '../gate/peer-identity';
import type { Logger } from '../log/logger';
import { normalizeSerial } from '../pki/serial';
import { CallEndObserver, CallObserver, CallStage } from '../gate/call-context';
import { Revocation, RevocationList } from '../tls/revocation-list';
import { REVOKED_CODE, revocationStage, revokedDetails } from './revocation-stage';

export interface RevocationEnforcerOptions {
  /** How long a revoked peer's connections stay open after its calls were ended. Default 5000 ms. */
  closeConnectionsAfterMs?: number;
}

export class RevocationEnforcer {
  readonly list = new RevocationList();
  readonly stage: CallStage;
  readonly observer: CallObserver;
  readonly endObserver: CallEndObserver;
  private readonly calls = new Map<string, Map<ServerInterceptingCallInterface, PeerIdentity>>();
  private readonly connections = new Map<string, Set<TLSSocket>>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    crlPem: string | undefined,
    private readonly logger: Logger,
    private readonly options: RevocationEnforcerOptions = {},
  ) {
    this.list.update(crlPem);
    this.stage = revocationStage(this.list);
    this.observer = (ctx, rejection) => {
      const identity = ctx.caller?.identity;
      if (rejection || !identity) return;
      const calls = this.calls.get(identity.serial) ?? new Map<ServerInterceptingCallInterface, PeerIdentity>();
      calls.set(ctx.call, identity);
      this.calls.set(identity.serial, calls);
    };
    // An end observer rather than ctx.onEnd: no closure per call.
    this.endObserver = (ctx) => {
      const serial = ctx.caller?.identity.serial;
      const calls = serial === undefined ? undefined : this.calls.get(serial);
      if (!calls?.delete(ctx.call)) return;
      if (calls.size === 0) this.calls.delete(serial!);
    };
  }

  /** Every admitted TLS connection, by the serial of the certificate it presented. */
  trackConnection(socket: TLSSocket): void {
    const serialNumber = socket.getPeerCertificate()?.serialNumber;
    if (!serialNumber) return;
    const serial = normalizeSerial(serialNumber);
    const sockets = this.connections.get(serial) ?? new Set<TLSSocket>();
    sockets.add(socket);
    this.connections.set(serial, sockets);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.connections.get(serial) === sockets) this.connections.delete(serial);
    });
  }

  /** Applies a new CRL (throws, changing nothing, if it cannot be read) and cuts off what it newly revokes. */
  update(crlPem: string | undefined): Revocation[] {
    const added = this.list.update(crlPem);
    for (const revocation of added) this.cutOff(revocation);
    return added;
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private cutOff(revocation: Revocation): void {
    const calls = [...(this.calls.get(revocation.serial) ?? new Map<ServerInterceptingCallInterface, PeerIdentity>()).entries()];
    const sockets = this.connections.get(revocation.serial);
    if (calls.length === 0 && !sockets?.size) return;
    for (const [call, identity] of calls) {
      // Straight to the transport: grpc-js then tells the handler (cancelled) and the gate (onEnd).
      call.sendStatus({ code: REVOKED_CODE, details: revokedDetails(identity, revocation), metadata: new Metadata() });
    }
    this.logger.warn(
      {
        event: 'revoked_peer_cut_off',
        serial: revocation.serial,
        calls: calls.length,
        connections: sockets?.size ?? 0,
        revokedAt: revocation.revokedAt.toISOString(),
        reason: revocation.reason,
      },
      `certificate serial ${revocation.serial} was revoked: ended ${calls.length} open call(s); closing its ${sockets?.size ?? 0} connection(s)`,
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.list.get(revocation.serial)) return; // the revocation was withdrawn meanwhile
      for (const socket of this.connections.get(revocation.serial) ?? []) socket.destroy();
    }, this.options.closeConnectionsAfterMs ?? 5000);
    timer.unref();
    this.timers.add(timer);
  }
}
