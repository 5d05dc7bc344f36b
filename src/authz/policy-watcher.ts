// A running process's policy follows its file through the one reload engine (store/file-reloader.ts):
// on a change read, validate, compile, swap (one assignment: every call sees the old or the new
// policy whole); a broken edit is refused with one logged error naming the problem, and the last
// good policy stays in force.
import type { Logger } from '../log/logger';
import { FileReloader } from '../store/file-reloader';
import type { CompiledPolicy } from './compiled-policy';
import { loadPolicyFileInWorker, loadPolicyFileInWorkerAsync } from './policy-parser';

export interface PolicyWatchOptions {
  logger?: Logger;
  /** How often to stat the file as a fallback to fs.watch; 0 turns it off. Default 1000 ms. */
  intervalMs?: number;
  /** Told of every policy put in force after the first. */
  reloaded?: (policy: CompiledPolicy) => void;
}

/** Loads the policy now (an invalid or unreadable file throws: a server must not start with it), then follows the file. */
export function watchPolicyFile(file: string, options: PolicyWatchOptions = {}): FileReloader<CompiledPolicy> {
  return FileReloader.startSync<CompiledPolicy>({
    what: 'authorization policy',
    files: [file],
    // The generation counts accepted versions: audit lines and denials say which one decided.
    // Parsed in a worker (policy-parser.ts): the first load blocks (no server without its policy), reloads do not.
    load: (inForce) => (inForce ? loadPolicyFileInWorkerAsync(file, inForce.generation + 1) : loadPolicyFileInWorker(file, 1)),
    describe: (p) => ({ file, generation: p.generation, policy: p.name, roles: p.model.roles.length, rules: p.rules.length }),
    reloaded: options.reloaded,
    logger: options.logger,
    intervalMs: options.intervalMs,
  });
}
