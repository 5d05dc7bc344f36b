// One grpc-js server interceptor that runs certrpc's checks in order, before any handler sees
// the call. Stages are plain functions, so adding one (revocation, authorization, audit) is a
// new file and a line in createServer, and a call pays for one intercepting call, not one per stage.
import { Metadata, ServerInterceptingCall, ServerInterceptor, status as Status } from '@grpc/grpc-js';
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import { Caller } from './caller';
import { correctStatus } from './status-corrections';

export interface CallContext {
  /** "/package.Service/Method" */
  method: string;
  metadata: Metadata;
  call: ServerInterceptingCallInterface;
  /** Set by the identity stage; later stages may add roles. */
  caller?: Caller;
  /** Runs fn once when the call is over: status sent, cancelled by the client, or connection lost. */
  onEnd(fn: (end: CallEnd) => void): void;
}

/** How a call ended: the status sent (by a handler, a stage or grpc-js itself), or CANCELLED when none was. */
export interface CallEnd {
  code: Status;
  details: string;
  /** From the call's arrival to its end. */
  durationMs: number;
}

/** Told when each call is over, whatever ended it: metrics (status, latency), calls in flight. */
export type CallEndObserver = (ctx: CallContext, end: CallEnd) => void;

export interface Rejection {
  code: Status;
  details: string;
}

/** A stage either lets the call go on (returns nothing) or ends it with a status. */
export type CallStage = (ctx: CallContext) => Rejection | void;

/** Runs after the decision, allowed or not: the place for audit logs and metrics. */
export type CallObserver = (ctx: CallContext, rejection: Rejection | undefined) => void;

/** ctx.metadata until the request's arrives (only onEnd can run that early); one for all calls, never written. */
const NO_METADATA_YET = new Metadata();

export function createCallGate(stages: CallStage[], observers: CallObserver[] = [], endObservers: CallEndObserver[] = []): ServerInterceptor {
  return (methodDescriptor, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        const startedAt = performance.now();
        const ended: ((end: CallEnd) => void)[] = [];
        const ctx: CallContext = { method: methodDescriptor.path, metadata: NO_METADATA_YET, call, onEnd: (fn) => ended.push(fn) };
        for (const observe of endObservers) ended.push((end) => observe(ctx, end));
        const sent = recordStatus(call);
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            ctx.metadata = metadata;
            let rejection: Rejection | undefined;
            for (const stage of stages) {
              rejection = stage(ctx) ?? undefined;
              if (rejection) break;
            }
            for (const observe of observers) observe(ctx, rejection);
            if (rejection) {
              call.sendStatus({ code: rejection.code, details: rejection.details, metadata: new Metadata() });
              return;
            }
            nextMetadata(metadata);
          },
          // grpc-js signals onCancel once for EVERY call when it is over, not only for cancellations.
          onCancel() {
            const status = sent() ?? CANCELLED;
            const end: CallEnd = { code: status.code, details: status.details, durationMs: performance.now() - startedAt };
            for (const fn of ended.splice(0)) fn(end);
          },
        });
      },
    });
}

const CANCELLED = { code: Status.CANCELLED, details: 'cancelled by the client, or the connection was lost' };

/**
 * The first status sent on this call. grpc-js ends some calls itself (message over the size limit,
 * undecodable message, deadline) by calling sendStatus on its own base call, below every
 * interceptor; wrapping that method on this one call instance is the only way to learn those codes
 * (and to correct the misleading ones: status-corrections.ts).
 * The wrapper is ONE shared function that keeps the status on the instance: a new closure stored on
 * every call object cost a quarter of a unary call's server CPU (V8 keeps re-shaping those
 * objects; docs/BENCHMARKS.md), a shared function costs nothing measurable.
 */
function recordStatus(call: ServerInterceptingCallInterface): () => FirstStatus | undefined {
  const recorded = call as RecordingCall;
  recorded[FIRST_STATUS] = undefined;
  recorded.sendStatus = recordingSendStatus;
  return () => recorded[FIRST_STATUS];
}

interface FirstStatus {
  code: Status;
  details: string;
}

const FIRST_STATUS = Symbol('certrpc.firstStatus');
type RecordingCall = ServerInterceptingCallInterface & { [FIRST_STATUS]?: FirstStatus };

function recordingSendStatus(this: RecordingCall, original: Parameters<ServerInterceptingCallInterface['sendStatus']>[0]): void {
  const status = correctStatus(original);
  this[FIRST_STATUS] ??= { code: status.code, details: status.details ?? '' };
  // The call's own class method, which this instance property shadows.
  (Object.getPrototypeOf(this) as ServerInterceptingCallInterface).sendStatus.call(this, status);
}
