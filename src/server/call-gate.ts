// One grpc-js server interceptor that runs certrpc's checks in order, before any handler sees
// the call. Stages are plain functions, so adding one (revocation, authorization, audit) is a
// new file and a line in createServer, and a call pays for one intercepting call, not one per stage.
import { Metadata, ServerInterceptingCall, ServerInterceptor, status as Status } from '@grpc/grpc-js';
import type { ServerInterceptingCallInterface } from '@grpc/grpc-js/build/src/server-interceptors';
import { Caller } from './caller';

export interface CallContext {
  /** "/package.Service/Method" */
  method: string;
  metadata: Metadata;
  call: ServerInterceptingCallInterface;
  /** Set by the identity stage; later stages may add roles. */
  caller?: Caller;
  /** Runs fn once when the call is over: status sent, cancelled by the client, or connection lost. */
  onEnd(fn: () => void): void;
}

export interface Rejection {
  code: Status;
  details: string;
}

/** A stage either lets the call go on (returns nothing) or ends it with a status. */
export type CallStage = (ctx: CallContext) => Rejection | void;

/** Runs after the decision, allowed or not: the place for audit logs and metrics. */
export type CallObserver = (ctx: CallContext, rejection: Rejection | undefined) => void;

export function createCallGate(stages: CallStage[], observers: CallObserver[] = []): ServerInterceptor {
  return (methodDescriptor, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        const ended: (() => void)[] = [];
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            const ctx: CallContext = { method: methodDescriptor.path, metadata, call, onEnd: (fn) => ended.push(fn) };
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
            for (const fn of ended.splice(0)) fn();
          },
        });
      },
    });
}
