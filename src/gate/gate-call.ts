// The gate's per-call object; interceptor.ts runs the stages on it.
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { InterceptingServerListener, ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import type { AdmittedCalls } from './admitted-calls';
import type { Caller } from './caller';
import type { CallContext, CallEnd, CallEndObserver } from './call-context';
import { ContextValues } from './context-key';

/** ctx.metadata until the request's arrives (only onEnd can run that early); one for all calls, never written. */
const NO_METADATA_YET = new Metadata();

const CANCELLED = { code: Status.CANCELLED, details: 'cancelled by the client, or the connection was lost' };

export type StatusArgument = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/** What a call needs of its gate (interceptor.ts). */
export interface GateOfCall {
  admit(ctx: GateCall, metadata: Metadata): void;
  readonly inFlight: AdmittedCalls<GateCall>;
  readonly endObservers: CallEndObserver[];
}

/**
 * A call as the gate holds it, in one object: the context stages see, the intercepting call grpc-js
 * hands to the handler (or to the next interceptor), and the listener the call below reports to.
 * grpc-js's own ServerInterceptingCall would add a responder, two listener objects and a closure
 * per event to every call (~1.2 KB of garbage a unary call, 5% more than a server without
 * interceptors; docs/BENCHMARKS.md): the gate needs none of that, since it only holds the request
 * metadata until its stages have decided. Methods on the prototype: no per-call closures.
 */
export class GateCall implements CallContext, ServerInterceptingCallInterface, InterceptingServerListener {
  metadata: Metadata = NO_METADATA_YET;
  caller?: Caller = undefined;
  readonly values = new ContextValues();
  /** The first status sent on this call (see recordStatus). */
  status?: { code: Status; details: string } = undefined;
  ended = false;
  private extraTrailers?: Metadata = undefined;
  private endListeners?: ((end: CallEnd) => void)[] = undefined;
  /** The handler's listener (grpc-js's, or the next interceptor's), given at start. */
  private above?: InterceptingServerListener = undefined;
  /** Neighbours in the gate's calls in flight (admitted-calls.ts). */
  previousAdmitted?: GateCall = undefined;
  nextAdmitted?: GateCall = undefined;
  private readonly startedAt = performance.now();

  constructor(
    readonly method: string,
    /** The call below the gate: grpc-js's own when the gate is the first interceptor. */
    readonly call: ServerInterceptingCallInterface,
    readonly gate: GateOfCall,
  ) {}

  // The intercepting call, as the handler uses it: everything goes straight to the call below.
  start(listener: InterceptingServerListener): void {
    this.above = listener;
    this.call.start(this);
  }

  sendMetadata(metadata: Metadata): void {
    this.call.sendMetadata(metadata);
  }

  sendMessage(message: unknown, callback: () => void): void {
    this.call.sendMessage(message, callback);
  }

  sendStatus(status: StatusArgument): void {
    this.call.sendStatus(status);
  }

  startRead(): void {
    this.call.startRead();
  }

  getPeer(): string {
    return this.call.getPeer();
  }

  getDeadline(): ReturnType<ServerInterceptingCallInterface['getDeadline']> {
    return this.call.getDeadline();
  }

  getHost(): string {
    return this.call.getHost();
  }

  getAuthContext(): ReturnType<ServerInterceptingCallInterface['getAuthContext']> {
    return this.call.getAuthContext();
  }

  getConnectionInfo(): ReturnType<ServerInterceptingCallInterface['getConnectionInfo']> {
    return this.call.getConnectionInfo();
  }

  getMetricsRecorder(): ReturnType<ServerInterceptingCallInterface['getMetricsRecorder']> {
    return this.call.getMetricsRecorder();
  }

  // The listener, as the call below reports to it. The handler reads messages only once it has
  // the metadata (it asks for them with startRead), so holding the metadata holds the messages.
  onReceiveMetadata(metadata: Metadata): void {
    if (!this.ended) this.gate.admit(this, metadata);
  }

  onReceiveMessage(message: unknown): void {
    if (!this.ended) this.above!.onReceiveMessage(message);
  }

  onReceiveHalfClose(): void {
    if (!this.ended) this.above!.onReceiveHalfClose();
  }

  /** grpc-js signals onCancel once for EVERY call when it is over, not only for cancellations. */
  onCancel(): void {
    this.finish();
    this.above?.onCancel();
  }

  /** The stages let the call through: the handler gets its metadata. */
  proceed(): void {
    this.above!.onReceiveMetadata(this.metadata);
  }

  get trailers(): Metadata {
    return (this.extraTrailers ??= new Metadata());
  }

  /** The trailers stages added, if any (without making an empty one). */
  addedTrailers(): Metadata | undefined {
    return this.extraTrailers;
  }

  onEnd(fn: (end: CallEnd) => void): void {
    (this.endListeners ??= []).push(fn);
  }

  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.gate.inFlight.remove(this);
    const observers = this.gate.endObservers;
    if (observers.length === 0 && !this.endListeners) return;
    const status = this.status ?? CANCELLED;
    const end: CallEnd = { code: status.code, details: status.details, durationMs: performance.now() - this.startedAt };
    for (const observe of observers) observe(this, end);
    if (this.endListeners) for (const fn of this.endListeners.splice(0)) fn(end);
  }
}
