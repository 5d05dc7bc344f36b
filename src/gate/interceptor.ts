// One grpc-js server interceptor that runs certrpc's checks in order, before any handler sees the
// call: the identity stage, then the stages (revocation, limits, authorization...), then the
// observers. Stages are plain functions, so adding one is a new file and a line where the gate is
// made, and a call pays for one object of the gate's (gate-call.ts), not one per stage. The
// contract is in call-context.ts.
import { Metadata, ServerInterceptor, status as Status } from '@grpc/grpc-js';
import type { ServerInterceptingCall } from '@grpc/grpc-js';
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import { AdmittedCalls, CallsInFlightView } from './admitted-calls';
import {
  AuthenticatedContext,
  CallContext,
  CallEndObserver,
  CallObserver,
  CallStage,
  IdentityStage,
  linkContext,
  Rejection,
  StageResult,
} from './call-context';
import { GateCall, GateOfCall, StatusArgument } from './gate-call';
import { correctStatus } from './status-corrections';

export interface CallGateOptions {
  /** Sets ctx.caller or rejects (identity-stage.ts). */
  identity: IdentityStage;
  /** After identity, in order; the first rejection ends the call. */
  stages?: CallStage[];
  /** Told of every decision. */
  observers?: CallObserver[];
  /** Told of every call's end. */
  endObservers?: CallEndObserver[];
  /** A stage threw or its promise rejected: the call ends INTERNAL; this is told why (a log). */
  onStageError?: (err: unknown, ctx: CallContext) => void;
  /**
   * Methods a connection without a client certificate may call (the CA's Enroll). Such a call goes
   * on with no caller, through `stages` only (checks that need no caller: a metadata limit), never
   * through the caller stages. A call of any other method without a certificate is refused as before.
   */
  anonymous?: { methods: ReadonlySet<string>; stages: ((ctx: CallContext) => Rejection | undefined | void)[] };
}

const NO_CALLER: Rejection = { code: Status.UNAUTHENTICATED, details: 'no caller identity for this call: the identity stage set none' };
const STAGE_FAILED: Rejection = {
  code: Status.INTERNAL,
  details: 'the server could not decide on this call: one of its checks failed (see the server log)',
};

class Gate implements GateOfCall {
  /** Its calls from their request metadata until they end (shutdown drains them, a revocation ends some). */
  readonly inFlight = new AdmittedCalls<GateCall>();
  readonly identity: IdentityStage;
  readonly stages: CallStage[];
  readonly observers: CallObserver[];
  readonly endObservers: CallEndObserver[];
  private readonly onStageError?: (err: unknown, ctx: CallContext) => void;
  private readonly anonymous?: CallGateOptions['anonymous'];

  constructor(options: CallGateOptions) {
    this.identity = options.identity;
    this.anonymous = options.anonymous;
    this.stages = options.stages ?? [];
    this.observers = options.observers ?? [];
    this.endObservers = options.endObservers ?? [];
    this.onStageError = options.onStageError;
  }

  /** At the request metadata: decide, then pass the metadata on or end the call. */
  admit(ctx: GateCall, metadata: Metadata): void {
    ctx.metadata = metadata;
    linkContext(metadata, ctx);
    // In flight from here, not from admission: a revocation (or a shutdown) while a stage is still
    // deciding must find the call and end it; admitted after the cut-off it would run unrevoked.
    this.inFlight.add(ctx);
    let rejection: StageResult;
    try {
      rejection = this.identity(ctx) ?? (ctx.caller ? undefined : NO_CALLER);
      if (
        rejection &&
        this.anonymous &&
        !ctx.caller &&
        this.anonymous.methods.has(ctx.method) &&
        !ctx.call.getAuthContext()?.sslPeerCertificate
      ) {
        // Opened to peers without a certificate: no caller, so none of the stages that judge one.
        for (const stage of this.anonymous.stages) if ((rejection = stage(ctx) || undefined)) break;
        if (!rejection) return this.conclude(ctx, undefined);
        return this.conclude(ctx, rejection);
      }
      for (let i = 0; !rejection && i < this.stages.length; i++) {
        const result = this.stages[i](ctx as AuthenticatedContext);
        if (result !== undefined && typeof (result as Promise<StageResult>).then === 'function') {
          void this.admitLater(ctx, result as Promise<StageResult>, i + 1);
          return;
        }
        rejection = result as StageResult;
      }
    } catch (err) {
      rejection = this.failed(err, ctx);
    }
    this.conclude(ctx, rejection || undefined);
  }

  /** A stage returned a promise: the call waits for it, then the remaining stages run (awaited). */
  private async admitLater(ctx: GateCall, pending: Promise<StageResult>, from: number): Promise<void> {
    let rejection: StageResult;
    try {
      rejection = await pending;
      for (let i = from; !rejection && i < this.stages.length && !ctx.ended && !ctx.status; i++)
        rejection = await this.stages[i](ctx as AuthenticatedContext);
    } catch (err) {
      rejection = this.failed(err, ctx);
    }
    // Cancelled, timed out, revoked or drained while waiting: a status went out, or grpc-js ended it.
    if (ctx.ended || ctx.status) return;
    this.conclude(ctx, rejection || undefined);
  }

  private failed(err: unknown, ctx: GateCall): Rejection {
    try {
      this.onStageError?.(err, ctx);
    } catch {
      // a failing logger must not open the gate
    }
    return STAGE_FAILED;
  }

  private conclude(ctx: GateCall, rejection: Rejection | undefined): void {
    for (const observe of this.observers) observe(ctx, rejection);
    if (rejection) {
      ctx.call.sendStatus({ code: rejection.code, details: rejection.details, metadata: new Metadata() });
      return;
    }
    ctx.proceed();
  }
}

/** The gate as grpc-js takes it, and its calls in flight (being decided, or let through) until they end. */
export interface CallGate extends ServerInterceptor {
  readonly inFlight: CallsInFlightView<CallContext>;
}

export function createCallGate(options: CallGateOptions): CallGate {
  const gate = new Gate(options);
  const intercept: ServerInterceptor = (methodDescriptor, call) => {
    const ctx = new GateCall(methodDescriptor.path, call, gate);
    recordStatus(call, ctx);
    // grpc-js types an interceptor's result as its ServerInterceptingCall class; it uses only the
    // interface, which GateCall implements (checked by the compiler on every grpc-js upgrade).
    return ctx as unknown as ServerInterceptingCall;
  };
  return Object.assign(intercept, { inFlight: gate.inFlight as CallsInFlightView<CallContext> });
}

/**
 * Every status sent on this call passes here: the first is kept (for CallEnd), misleading ones are
 * corrected (status-corrections.ts) and the trailers stages added are merged in. grpc-js ends some
 * calls itself (message over the size limit, undecodable message, deadline) by calling sendStatus
 * on its own base call, below every interceptor; wrapping that method on this one call instance is
 * the only way to see those.
 * The wrapper is ONE shared function that finds the call's context on the instance: a new closure
 * stored on every call object cost a quarter of a unary call's server CPU (V8 keeps re-shaping
 * those objects; docs/BENCHMARKS.md), a shared function costs nothing measurable.
 */
function recordStatus(call: ServerInterceptingCallInterface, ctx: GateCall): void {
  const recording = call as RecordingCall;
  recording[GATE_CALL] = ctx;
  recording.sendStatus = recordingSendStatus;
}

const GATE_CALL = Symbol('certrpc.gateCall');
type RecordingCall = ServerInterceptingCallInterface & { [GATE_CALL]?: GateCall };

function recordingSendStatus(this: RecordingCall, original: StatusArgument): void {
  let status = correctStatus(original);
  const ctx = this[GATE_CALL];
  if (ctx) {
    ctx.status ??= { code: status.code, details: status.details ?? '' };
    const added = ctx.addedTrailers();
    if (added) {
      // A copy: the sender's Metadata may be an object it reuses.
      const metadata = status.metadata ? status.metadata.clone() : new Metadata();
      metadata.merge(added);
      status = { ...status, metadata };
    }
  }
  // The call's own class method, which this instance property shadows.
  (Object.getPrototypeOf(this) as ServerInterceptingCallInterface).sendStatus.call(this, status);
}
