// Revocation on a running server, beyond the handshake: when a new CRL lists a certificate, the
// calls it has open (a Watch stream, say) end at once with a status that says it was revoked and
// when, its further calls are refused by the revocation stage, and after a short grace (so those
// refusals can still say why) its connections are closed: a reconnect then meets the CRL at the
// handshake. A revoked certificate's calls are found among the calls in flight of the gates it
// watches (the gate keeps those: gate/admitted-calls.ts); nothing is kept per call here.
import { Metadata } from '@grpc/grpc-js';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../log/logger';
import { normalizeSerial } from '../pki/serial';
import { AuthenticatedContext, CallContext, CallStage } from '../gate/call-context';
import { Revocation, RevocationList } from '../tls/revocation-list';
import { REVOKED_CODE, revocationStage, revokedDetails } from './revocation-stage';

export interface RevocationEnforcerOptions {
  /** How long a revoked peer's connections stay open after its calls were ended. Default 5000 ms. */
  closeConnectionsAfterMs?: number;
}

export class RevocationEnforcer {
  readonly list = new RevocationList();
  readonly stage: CallStage;
  private readonly callSources: Iterable<CallContext>[] = [];
  /**
   * Every admitted connection while it is open. Revocations are rare and connections many: a
   * revocation looks through them all for its serial, and nothing is indexed per connection.
   */
  private readonly connections = new Set<TLSSocket>();
  /** One listener for every connection's 'close' (the socket is its `this`), not a closure per connection. */
  private readonly untrack: (this: TLSSocket) => void;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    crlPem: string | undefined,
    private readonly logger: Logger,
    private readonly options: RevocationEnforcerOptions = {},
  ) {
    this.list.update(crlPem);
    this.stage = revocationStage(this.list);
    const connections = this.connections;
    this.untrack = function (this: TLSSocket) {
      connections.delete(this);
    };
  }

  /** A gate's calls in flight (createInterceptor gives its own): a revocation ends those of the certificate. */
  watchCalls(calls: Iterable<CallContext>): void {
    this.callSources.push(calls);
  }

  /** The open calls of the certificate with this serial, in the gates watched. */
  openCalls(serial: string): AuthenticatedContext[] {
    const found: AuthenticatedContext[] = [];
    for (const source of this.callSources)
      for (const ctx of source) if (ctx.caller?.identity.serial === serial) found.push(ctx as AuthenticatedContext);
    return found;
  }

  /** Every admitted TLS connection, until it closes (one already closed is not kept: its 'close' has passed). */
  trackConnection(socket: TLSSocket): void {
    if (socket.destroyed) return;
    this.connections.add(socket);
    socket.on('close', this.untrack);
  }

  /** The open connections whose certificate has this serial (read from the certificate the listener pinned). */
  openConnections(serial: string): TLSSocket[] {
    const found: TLSSocket[] = [];
    for (const socket of this.connections) {
      const serialNumber = socket.getPeerCertificate()?.serialNumber;
      if (serialNumber && normalizeSerial(serialNumber) === serial) found.push(socket);
    }
    return found;
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
    const calls = this.openCalls(revocation.serial);
    const sockets = this.openConnections(revocation.serial);
    if (calls.length === 0 && sockets.length === 0) return;
    for (const ctx of calls) {
      // Straight to the transport: grpc-js then tells the handler (cancelled) and the gate (onEnd).
      ctx.call.sendStatus({ code: REVOKED_CODE, details: revokedDetails(ctx.caller.identity, revocation), metadata: new Metadata() });
    }
    this.logger.warn(
      {
        event: 'revoked_peer_cut_off',
        serial: revocation.serial,
        calls: calls.length,
        connections: sockets.length,
        revokedAt: revocation.revokedAt.toISOString(),
        reason: revocation.reason,
      },
      `certificate serial ${revocation.serial} was revoked: ended ${calls.length} open call(s); closing its ${sockets.length} connection(s)`,
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.list.get(revocation.serial)) return; // the revocation was withdrawn meanwhile
      for (const socket of this.openConnections(revocation.serial)) socket.destroy();
    }, this.options.closeConnectionsAfterMs ?? 5000);
    timer.unref();
    this.timers.add(timer);
  }
}
