// One directory per `jest` run (created by test/global-setup.ts, checked and removed by
// test/global-teardown.ts): logs/ receives every child process's stdout and stderr and every
// in-process logger's lines (runLogger), keys/ the markers of every private key the suite wrote
// (key-leak-scan.ts), so the teardown can prove no log leaked one.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { formatMarkers, KeyMarker, keyMarkers } from './key-leak-scan';
import { createLogger, Logger, LogLevel } from '../../src/log/logger';

export const RUN_DIR_ENV = 'CERTRPC_TEST_RUN_DIR';

/** The run's directory: from global setup, or (outside jest) one per parent process. */
export function testRunDir(): string {
  const dir = process.env[RUN_DIR_ENV] ?? join(tmpdir(), `certrpc-test-run-${process.ppid}`);
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(join(dir, 'keys'), { recursive: true });
  return dir;
}

let sequence = 0;

/** Appends everything the child writes to stdout and stderr to its own file under logs/. */
export function captureOutput(child: ChildProcess, args: string[]): void {
  const file = join(testRunDir(), 'logs', `${process.pid}-${++sequence}-${child.pid ?? 'x'}.log`);
  appendFileSync(file, `# certrpc ${args.join(' ')}\n`);
  const append = (chunk: Buffer | string) => appendFileSync(file, chunk);
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
}

export interface RunLogger {
  logger: Logger;
  file: string;
  /** Everything logged so far. */
  text(): string;
}

/**
 * A logger for a server or client a test runs in-process: its lines go to a file under logs/ (so
 * the end-of-run key-leak check reads them like a child process's) and the test can read them.
 * Debug by default: the more a process says, the more the check covers.
 */
export function runLogger(name: string, level: LogLevel = 'debug'): RunLogger {
  const file = join(testRunDir(), 'logs', `${process.pid}-${++sequence}-in-process-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.log`);
  appendFileSync(file, `# in-process ${name}\n`);
  return { logger: createLogger({ level, destination: file }), file, text: () => readFileSync(file, 'utf8') };
}

/** Records every private key found under dir (recursively), before a test's temp dir is removed. */
export function registerKeysIn(dir: string): void {
  const markers: KeyMarker[] = [];
  const walk = (d: string) => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(d, name);
      try {
        const st = statSync(path);
        if (st.isDirectory()) walk(path);
        else if (st.isFile() && st.size < 1_000_000) markers.push(...keyMarkers(readFileSync(path, 'latin1'), relative(tmpdir(), path)));
      } catch {
        // unreadable (a test's mode-0000 file as non-root): nothing to record
      }
    }
  };
  walk(dir);
  if (markers.length > 0) appendFileSync(join(testRunDir(), 'keys', `${process.pid}.txt`), formatMarkers(markers));
}
