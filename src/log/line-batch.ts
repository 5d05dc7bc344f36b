// Lines produced within one synchronous run of the event loop (every call that arrived in one
// socket read, say) leave in ONE write, made in a microtask: before the loop handles any further
// I/O, so nothing waits in a buffer across event-loop turns. A write per line cost the server a
// system call per call (docs/BENCHMARKS.md). flush() writes what is pending at once (exit, close).

export class LineBatch {
  private pending: string[] = [];

  constructor(private readonly writeOut: (text: string) => void) {}

  /** Queues one line (with its "\n"); the batch goes out before the current run yields. */
  readonly push = (line: string): void => {
    if (this.pending.length === 0) queueMicrotask(this.flush);
    this.pending.push(line);
  };

  readonly flush = (): void => {
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.writeOut(text);
  };
}
