// A gate's calls in flight, from their request metadata (while stages decide, and once let through)
// until they end: what shutdown drains and what a revocation ends. An intrusive list (each call
// holds its neighbours): a call links itself in and out with no allocation. Not a Map or Set: those, changing on every call, kept
// finished calls reachable to V8's scavenger until the next full GC (their tables are rehashed as
// they grow and shrink), so each call's whole object graph outlived it: ~4 KB a unary call more
// surviving each scavenge than bare grpc-js, the largest part of certrpc's per-call cost
// (docs/BENCHMARKS.md). Unlinking clears the call's own links too, for the same reason.

/** The two fields a call carries to be in the list; only AdmittedCalls writes them. */
export interface AdmittedLinks<T> {
  previousAdmitted?: T;
  nextAdmitted?: T;
}

/** Read-only view: how many, and each one (a copy, so ending calls while iterating is safe). */
export interface CallsInFlightView<T> extends Iterable<T> {
  readonly size: number;
}

export class AdmittedCalls<T extends AdmittedLinks<T>> implements CallsInFlightView<T> {
  private first?: T = undefined;
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(call: T): void {
    call.previousAdmitted = undefined;
    call.nextAdmitted = this.first;
    if (this.first) this.first.previousAdmitted = call;
    this.first = call;
    this.count++;
  }

  /** Unlinks the call; false if it was not in the list (never admitted, or removed already). */
  remove(call: T): boolean {
    const { previousAdmitted: previous, nextAdmitted: next } = call;
    if (previous === undefined && this.first !== call) return false;
    if (previous) previous.nextAdmitted = next;
    else this.first = next;
    if (next) next.previousAdmitted = previous;
    call.previousAdmitted = undefined;
    call.nextAdmitted = undefined;
    this.count--;
    return true;
  }

  [Symbol.iterator](): Iterator<T> {
    const all: T[] = [];
    for (let call = this.first; call; call = call.nextAdmitted) all.push(call);
    return all[Symbol.iterator]();
  }
}
