// Lines written behind the calls that produce them: an entry is queued as data (no formatting, no
// system call on the call's path) and the queue leaves in ONE write, formatted then, at most
// `maxDelayMs` later; sooner, synchronously, when `maxPending` entries wait. A write per line
// (and before it, a write per event-loop run) cost the server a system call per call
// (docs/BENCHMARKS.md).
//
// What that means when things go wrong (docs/SECURITY.md, the audit log):
// - graceful stop: close() writes everything (CertrpcServer.shutdown, `certrpc serve` on SIGTERM);
// - process.exit() or an uncaught exception: the 'exit' hook writes everything;
// - a hard kill (SIGKILL, the OOM killer, power loss): at most the last maxDelayMs of entries (and
//   never more than maxPending) are lost; what was written is whole lines;
// - a slow disk: writes are synchronous, so the event loop waits for the disk at each flush and
//   the server slows to the disk's pace: memory stays bounded and no entry is dropped;
// - a failing write (disk full, I/O error) throws out of the flush: the process ends rather
//   than go on serving calls it cannot audit;
// - an entry pushed after close() (its owner closed it while calls still ran) is not written:
//   `onLateEntry` hears of it (once per batch), never a write to a closed stream from a timer.
export interface LineBatchOptions {
  /** How long an entry may wait in memory before its write (default 10 ms). */
  maxDelayMs?: number;
  /** Entries waiting beyond this are written at once, on the caller's time (default 1024). */
  maxPending?: number;
}

export const DEFAULT_LINE_BATCH: Required<LineBatchOptions> = { maxDelayMs: 10, maxPending: 1024 };

export class LineBatch<T> {
  /** Entries and their times (ms since the epoch), flat: no pair object per entry. */
  private pending: (T | number)[] = [];
  private timer?: NodeJS.Timeout;
  private readonly maxDelayMs: number;
  private readonly maxPending: number;
  private closed = false;
  private lateEntries = 0;

  constructor(
    private readonly format: (entry: T, time: number) => string,
    private readonly writeOut: (text: string) => void,
    options: LineBatchOptions = {},
    private readonly onLateEntry: () => void = () => {},
  ) {
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_LINE_BATCH.maxDelayMs;
    this.maxPending = options.maxPending ?? DEFAULT_LINE_BATCH.maxPending;
  }

  /** Queues one entry, stamped now; written within maxDelayMs, or now if maxPending are waiting. */
  readonly push = (entry: T): void => {
    if (this.closed) {
      if (this.lateEntries++ === 0) this.onLateEntry();
      return;
    }
    this.pending.push(entry, Date.now());
    if (this.pending.length >= 2 * this.maxPending) return this.flush();
    // unref: a pending write never keeps a process alive; 'exit' and close() write what is left.
    this.timer ??= setTimeout(this.flush, this.maxDelayMs).unref();
  };

  /** Writes what is pending; entries pushed later are not written. Idempotent. */
  readonly close = (): void => {
    this.flush();
    this.closed = true;
  };

  /** Entries pushed after close() (not written). */
  get late(): number {
    return this.lateEntries;
  }

  /** Entries not written yet. */
  get size(): number {
    return this.pending.length / 2;
  }

  /** Writes everything pending now, in one write. */
  readonly flush = (): void => {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending.length === 0) return;
    const entries = this.pending;
    this.pending = [];
    let text = '';
    for (let i = 0; i < entries.length; i += 2) text += this.format(entries[i] as T, entries[i + 1] as number);
    this.writeOut(text);
  };
}
