// The calls a server is serving right now, so shutdown can wait for them and, once its grace
// period is over, end the rest with a status that says why instead of cutting the connection.
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { CallContext, CallEndObserver, CallObserver } from '../gate/call-context';

export class CallsInFlight {
  private readonly calls = new Set<CallContext>();

  /** A CallObserver: every call the gate lets through is tracked... */
  readonly observer: CallObserver = (ctx, rejection) => {
    if (!rejection) this.calls.add(ctx);
  };

  /** ...until it ends (a CallEndObserver: no closure per call). */
  readonly endObserver: CallEndObserver = (ctx) => {
    this.calls.delete(ctx);
  };

  get size(): number {
    return this.calls.size;
  }

  /** Calls per method, for the shutdown log. */
  byMethod(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const ctx of this.calls) counts[ctx.method] = (counts[ctx.method] ?? 0) + 1;
    return counts;
  }

  /** Ends the matching calls (all by default) with this status; grpc-js sends it after any queued messages. */
  end(code: Status, details: string, which: (ctx: CallContext) => boolean = () => true): number {
    let ended = 0;
    for (const ctx of [...this.calls]) {
      if (!which(ctx)) continue;
      ctx.call.sendStatus({ code, details, metadata: new Metadata() });
      ended++;
    }
    return ended;
  }
}
