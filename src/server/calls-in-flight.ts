// The calls a server is serving right now, so shutdown can wait for them and, once its grace
// period is over, end the rest with a status that says why instead of cutting the connection.
// The gate keeps them (gate/admitted-calls.ts); this is what shutdown does with them.
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { CallsInFlightView } from '../gate/admitted-calls';
import type { CallContext } from '../gate/call-context';

export class CallsInFlight {
  constructor(private readonly calls: CallsInFlightView<CallContext>) {}

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
    for (const ctx of this.calls) {
      if (!which(ctx)) continue;
      ctx.call.sendStatus({ code, details, metadata: new Metadata() });
      ended++;
    }
    return ended;
  }
}
