// The one reload pattern for anything a running process reads from files (TLS material, CRLs, the
// authorization policy): on a change, read, validate, swap in one assignment, and on failure keep
// the last good value with ONE log line per distinct problem.
// - fs.watch on the DIRECTORIES: atomic writers (certrpc's own, editors) rename a new file over the
//   old one, and a watch on the file itself would follow the dead inode.
// - a periodic stat is the fallback where fs.watch is silent (network mounts, some containers).
// - bursts of events are coalesced (debounce), and a refused load is retried once after settleMs
//   before it is reported: a pair written as two files (key, then certificate) is briefly
//   mismatched, and that is not worth an error line.
import { createHash } from 'node:crypto';
import { FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { CertrpcError } from '../errors/certrpc-error';

export interface ReloadResult {
  ok: boolean;
  /** 1 for the value loaded at start, +1 per accepted change. */
  version: number;
  /** What was wrong, when the change was refused. */
  error?: string;
}

/** How quickly changes are noticed (tests shorten these). */
export type ReloadTiming = Pick<FileReloaderOptions<unknown>, 'intervalMs' | 'debounceMs' | 'settleMs'>;

export interface FileReloaderOptions<T> {
  /** Names it in log lines: "TLS material", "authorization policy". */
  what: string;
  files: string[];
  /**
   * Reads and validates; throws to refuse. Gets the value in force (undefined at start), so a
   * loader can refuse what would be a step back from it (e.g. an older CRL, or none at all).
   */
  load: (inForce: T | undefined) => T | Promise<T>;
  /** Swaps the new value in (after load succeeded); throwing refuses it, and the old value stays current. */
  apply?: (value: T, version: number) => void;
  /** Told once a change is in force (`current` is the new value): re-deciding what depended on the old one. */
  reloaded?: (value: T, version: number) => void;
  /** Fields for the "reloaded" log line. */
  describe?: (value: T) => Record<string, unknown>;
  logger?: Logger;
  /** Stat fallback period; 0 turns it off. Default 1000 ms. */
  intervalMs?: number;
  /** Default 50 ms. */
  debounceMs?: number;
  /** Wait before the one retry of a refused load. Default 500 ms. */
  settleMs?: number;
}

export class FileReloader<T> {
  private value!: T;
  private versionNumber = 0;
  private readonly paths: string[];
  private readonly logger: Logger;
  private watchers: FSWatcher[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private lastStat = '';
  private lastContent = '';
  private lastError?: string;
  private running = false;
  private again = false;
  private closed = false;
  private waiters: ((r: ReloadResult) => void)[] = [];

  private constructor(private readonly options: FileReloaderOptions<T>) {
    this.paths = options.files.map((f) => resolve(f));
    this.logger = options.logger ?? silentLogger;
  }

  /** Loads now (a process must not start with invalid files: this throws), then watches. */
  static async start<T>(options: FileReloaderOptions<T>): Promise<FileReloader<T>> {
    const reloader = new FileReloader(options);
    reloader.measure();
    reloader.begin(await options.load(undefined));
    return reloader;
  }

  /** start() for a loader whose first load is synchronous: the value is in force when this returns (authorization() is synchronous). */
  static startSync<T>(options: FileReloaderOptions<T>): FileReloader<T> {
    const reloader = new FileReloader(options);
    reloader.measure();
    // Only the first load must be synchronous; reloads may return a promise (a policy parsed in a worker).
    const value = options.load(undefined);
    if (value instanceof Promise) throw new TypeError('FileReloader.startSync needs a synchronous first load; use start()');
    reloader.begin(value as T);
    return reloader;
  }

  /** Taken before the first load: a change while it runs is noticed, not mistaken for what was loaded. */
  private measure(): void {
    this.lastStat = this.statKey();
    this.lastContent = this.contentKey();
  }

  private begin(value: T): void {
    this.value = value;
    this.versionNumber = 1;
    this.watch();
  }

  get current(): T {
    return this.value;
  }

  get version(): number {
    return this.versionNumber;
  }

  /** Resolves at the end of the next reload attempt, accepted or refused: tests wait on it instead of sleeping. */
  nextReload(): Promise<ReloadResult> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Reads the files now, whether or not they changed. */
  async reload(retry = false): Promise<ReloadResult> {
    this.lastStat = this.statKey();
    this.lastContent = this.contentKey();
    let result: ReloadResult;
    try {
      const next = await this.options.load(this.value);
      if (this.closed) return { ok: false, version: this.versionNumber, error: 'closed' };
      // Applied first: if the consumer refuses it (throws), the old value stays current.
      this.options.apply?.(next, this.versionNumber + 1);
      this.value = next;
      this.versionNumber += 1;
      this.lastError = undefined;
      result = { ok: true, version: this.versionNumber };
      this.logger.info(
        { event: 'reloaded', what: this.options.what, version: this.versionNumber, ...this.options.describe?.(next) },
        `${this.options.what} reloaded`,
      );
      this.options.reloaded?.(next, this.versionNumber);
    } catch (err) {
      const error = err instanceof CertrpcError ? err.describe() : (err as Error).message;
      if (!retry && !this.closed) {
        const refused = this.lastContent;
        // Retried only if nothing changed meanwhile: a change schedules its own (first) attempt.
        this.later(() => {
          if (this.contentKey() === refused) void this.serialized(() => this.reload(true));
        }, this.options.settleMs ?? 500);
        return { ok: false, version: this.versionNumber, error };
      }
      result = { ok: false, version: this.versionNumber, error };
      if (error !== this.lastError) {
        this.logger.error(
          { event: 'reload_refused', what: this.options.what, problem: error, version: this.versionNumber },
          `${this.options.what} change refused; the last good one stays in force: ${error}`,
        );
      }
      this.lastError = error;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(result);
    return result;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers) w.close();
    for (const t of this.timers) clearTimeout(t);
    this.watchers = [];
    this.timers.clear();
  }

  private watch(): void {
    const byDir = new Map<string, Set<string>>();
    for (const p of this.paths) byDir.set(dirname(p), (byDir.get(dirname(p)) ?? new Set()).add(basename(p)));
    for (const [dir, names] of byDir) {
      try {
        const watcher = watch(dir, { persistent: false }, (_event, changed) => {
          if (!changed || names.has(changed.toString())) this.schedule();
        });
        watcher.on('error', () => watcher.close()); // the stat fallback carries on
        this.watchers.push(watcher);
      } catch {
        // fs.watch is unavailable here (or the directory is missing): the periodic stat does the job.
      }
    }
    const intervalMs = this.options.intervalMs ?? 1000;
    if (intervalMs > 0) {
      const poll = () => {
        if (this.statKey() !== this.lastStat) this.schedule();
        this.later(poll, intervalMs);
      };
      this.later(poll, intervalMs);
    }
  }

  private debounce?: NodeJS.Timeout;

  private schedule(): void {
    if (this.closed) return;
    if (this.debounce) {
      clearTimeout(this.debounce);
      this.timers.delete(this.debounce);
    }
    this.debounce = this.later(() => {
      this.debounce = undefined;
      void this.reloadIfChanged();
    }, this.options.debounceMs ?? 50);
  }

  /** Events also fire for writes that change nothing (touch, chmod, a temp file beside ours). */
  private async reloadIfChanged(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.contentKey() === this.lastContent) {
      this.lastStat = this.statKey();
      return;
    }
    await this.serialized(() => this.reload());
  }

  /** One load at a time; a change noticed meanwhile is looked at once the current load is done. */
  private async serialized(fn: () => Promise<ReloadResult>): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      await fn();
    } finally {
      this.running = false;
    }
    if (this.again && !this.closed) {
      this.again = false;
      await this.reloadIfChanged();
    }
  }

  private later(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, ms);
    timer.unref();
    this.timers.add(timer);
    return timer;
  }

  private statKey(): string {
    return this.paths
      .map((p) => {
        try {
          const s = statSync(p);
          return `${s.ino}:${s.size}:${s.mtimeMs}`;
        } catch {
          return 'missing';
        }
      })
      .join('|');
  }

  private contentKey(): string {
    const hash = createHash('sha256');
    for (const p of this.paths) {
      try {
        hash.update(readFileSync(p));
      } catch {
        hash.update('\0missing\0');
      }
      hash.update('\0');
    }
    return hash.digest('hex');
  }
}
