// The call gate's contract: what a stage, an observer and a handler see of a call.
//
// A call goes through the gate (interceptor.ts) in this order, at its request metadata:
//   identity stage -> ctx.caller is set (or the call ends UNAUTHENTICATED)
//   stages, in order: each returns nothing (go on), a Rejection (end the call with it), or a
//     Promise of either (I/O such as an external check: the call waits, its messages are held)
//   observers: told the outcome, allowed or rejected (audit log, metrics, calls in flight)
//   then the handler, which reads callerOf(call) and contextOf(call).values.
// Trailers: a stage or observer adds entries to ctx.trailers; they go out with whatever status
// ends the call (the handler's, a rejection, or one grpc-js sends itself).
import type { Metadata, status as Status } from '@grpc/grpc-js';
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import type { Caller } from './caller';
import type { ContextValues } from './context-key';

export interface CallContext {
  /** "/package.Service/Method" */
  readonly method: string;
  /** The request metadata (an empty one until it arrives: only onEnd can run that early). */
  readonly metadata: Metadata;
  readonly call: ServerInterceptingCallInterface;
  /** Typed per-call values (context-key.ts): what one stage leaves for the next, for observers and handlers. */
  readonly values: ContextValues;
  /** Set by the identity stage; stages after it see it as AuthenticatedContext. */
  caller?: Caller;
  /** Trailing metadata for the status this call ends with, whoever sends it. Made on first use. */
  readonly trailers: Metadata;
  /** Runs fn once when the call is over: status sent, cancelled by the client, or connection lost. */
  onEnd(fn: (end: CallEnd) => void): void;
}

/** The context after the identity stage: the caller is known. */
export type AuthenticatedContext = CallContext & { caller: Caller };

/** How a call ended: the status sent (by a handler, a stage or grpc-js itself), or CANCELLED when none was. */
export interface CallEnd {
  code: Status;
  details: string;
  /** From the call's arrival to its end. */
  durationMs: number;
}

export interface Rejection {
  code: Status;
  details: string;
}

export type StageResult = Rejection | undefined | void;

/**
 * A check after identity: nothing lets the call go on, a Rejection ends it with that status. A
 * Promise makes the call wait (its messages are held by grpc-js) until it settles; a stage that
 * throws or rejects ends the call with INTERNAL (fail closed).
 */
export type CallStage = (ctx: AuthenticatedContext) => StageResult | Promise<StageResult>;

/** The first stage: sets ctx.caller from the peer certificate, or rejects the call. */
export type IdentityStage = (ctx: CallContext) => Rejection | undefined;

/** Runs after the decision, allowed or not: the place for audit logs and metrics. */
export type CallObserver = (ctx: CallContext, rejection: Rejection | undefined) => void;

/** Told when each call is over, whatever ended it: metrics (status, latency), calls in flight. */
export type CallEndObserver = (ctx: CallContext, end: CallEnd) => void;

// The request Metadata object grpc-js hands to the handler carries its call's context under a
// symbol: a client cannot forge a symbol, and the link costs one property per call.
const CONTEXT = Symbol('certrpc.callContext');
type Linked = Metadata & { [CONTEXT]?: CallContext };

/** Called by the gate when the request metadata arrives. */
export function linkContext(metadata: Metadata, ctx: CallContext): void {
  (metadata as Linked)[CONTEXT] = ctx;
}

/** The gate's context of a call, from a handler's call object; undefined when no gate saw it. */
export function findContext(call: { metadata: Metadata }): CallContext | undefined {
  return (call.metadata as Linked | undefined)?.[CONTEXT];
}
