// Keeps a running server's policy in step with its file: on change, read, validate, compile, swap
// (one assignment, so every call sees either the old or the new policy whole). A broken edit is
// refused with one logged error naming the problem, and the last good policy stays in force.
// fs.watch on the DIRECTORY sees editors that save by writing a new file and renaming it over
// the old one (a watch on the file itself would follow the dead inode); a periodic stat is the
// fallback for filesystems where fs.watch is silent (network mounts, some containers).
import { FSWatcher, readFileSync, statSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { silentLogger } from '../log/logger';
import { CompiledPolicy } from './compiled-policy';
import { parsePolicy } from './policy-file';
import { CertrpcError } from '../errors/certrpc-error';
import { readUserFile } from '../store/read-file';

export interface ReloadResult {
  ok: boolean;
  generation: number;
  /** What was wrong with the file, when it was refused. */
  error?: string;
}

export interface PolicyWatcherOptions {
  logger?: Logger;
  /** How often to stat the file as a fallback to fs.watch; 0 turns it off. Default 1000 ms. */
  intervalMs?: number;
  /** Coalesces the bursts of events one save produces. Default 50 ms. */
  debounceMs?: number;
  /** Told of every successful swap. */
  onReload?: (policy: CompiledPolicy) => void;
}

export class PolicyWatcher {
  private readonly path: string;
  private policy: CompiledPolicy;
  private readonly logger: Logger;
  private watcher?: FSWatcher;
  private interval?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private lastStat: string;
  private lastText?: string;
  private lastError?: string;
  private waiters: ((r: ReloadResult) => void)[] = [];

  /** Loads the policy now; an invalid or unreadable file throws (a server must not start with it). */
  constructor(
    /** As given: messages name the file the way the user wrote it. */
    readonly file: string,
    private readonly options: PolicyWatcherOptions = {},
  ) {
    this.path = resolve(file);
    this.logger = options.logger ?? silentLogger;
    this.lastStat = this.statKey();
    this.lastText = readUserFile(this.path, 'policy file', 'policyFile');
    this.policy = new CompiledPolicy(parsePolicy(this.lastText, file), 1);
    this.watchDirectory();
    const intervalMs = options.intervalMs ?? 1000;
    if (intervalMs > 0) {
      this.interval = setInterval(() => {
        if (this.statKey() !== this.lastStat) this.schedule();
      }, intervalMs);
      this.interval.unref();
    }
  }

  /** The policy in force. */
  get current(): CompiledPolicy {
    return this.policy;
  }

  /** Resolves at the next reload attempt (accepted or refused): lets tests wait without sleeping. */
  nextReload(): Promise<ReloadResult> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Reads the file now; swaps it in if valid, keeps the current policy otherwise. */
  reload(): ReloadResult {
    this.lastStat = this.statKey();
    let result: ReloadResult;
    try {
      this.lastText = readUserFile(this.path, 'policy file', 'policyFile');
      const next = new CompiledPolicy(parsePolicy(this.lastText, this.file), this.policy.generation + 1);
      this.policy = next;
      this.lastError = undefined;
      result = { ok: true, generation: next.generation };
      this.logger.info({ file: this.file, generation: next.generation, policy: next.name, roles: next.model.roles.length, rules: next.rules.length }, 'authorization policy reloaded');
      this.options.onReload?.(next);
    } catch (err) {
      const error = err instanceof CertrpcError ? err.describe() : (err as Error).message;
      result = { ok: false, generation: this.policy.generation, error };
      // One line per distinct problem: a file that stays broken is not reported on every stat.
      if (error !== this.lastError) {
        this.logger.error({ file: this.file, problem: error, generation: this.policy.generation }, 'authorization policy change refused; the last good policy stays in force');
      }
      this.lastError = error;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(result);
    return result;
  }

  close(): void {
    this.watcher?.close();
    if (this.interval) clearInterval(this.interval);
    if (this.debounce) clearTimeout(this.debounce);
    this.watcher = this.interval = this.debounce = undefined;
  }

  private watchDirectory(): void {
    const name = basename(this.path);
    try {
      this.watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        if (!changed || changed.toString() === name) this.schedule();
      });
      this.watcher.on('error', () => this.watcher?.close()); // the stat fallback carries on
    } catch {
      // fs.watch is unavailable here: the periodic stat does the job.
    }
  }

  private schedule(): void {
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.reloadIfChanged();
    }, this.options.debounceMs ?? 50);
    this.debounce.unref();
  }

  /** Events also fire for saves that change nothing (touch, chmod); only new content is reloaded. */
  private reloadIfChanged(): void {
    let text: string | undefined;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      text = undefined; // missing or unreadable: reload() reports it
    }
    if (text !== undefined && text === this.lastText) {
      this.lastStat = this.statKey();
      return;
    }
    this.reload();
  }

  private statKey(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }
}
