// After every suite: no log line written by any child process or in-process logger of the run
// holds private key material (test/helpers/key-leak-scan.ts). Fails the run (and keeps the logs
// for inspection) on any hit. A check with nothing to look at proves nothing: a whole run, or any
// run under CI, that captured no log or recorded no key fails too. A run narrowed to a few files
// (`npx jest path`, `-t`) may legitimately have neither; it says what it scanned.
import type { Config } from '@jest/types';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readKeyMarkers, scanForKeyLeaks } from './helpers/key-leak-scan';
import { RUN_DIR_ENV } from './helpers/test-run';

function narrowed(config: Config.GlobalConfig): boolean {
  return Boolean(
    config.testPathPattern ||
    config.testNamePattern ||
    config.onlyChanged ||
    config.onlyFailures ||
    config.findRelatedTests ||
    config.changedSince ||
    config.lastCommit ||
    config.shard,
  );
}

export default function globalTeardown(config: Config.GlobalConfig): void {
  const dir = process.env[RUN_DIR_ENV];
  const strict = config.ci || process.env.CI === 'true' || !narrowed(config);
  const logDir = dir ? join(dir, 'logs') : undefined;
  const keyDir = dir ? join(dir, 'keys') : undefined;
  const markers = keyDir && existsSync(keyDir) ? readKeyMarkers(keyDir) : [];
  const logFiles = logDir && existsSync(logDir) ? readdirSync(logDir).length : 0;
  const keys = new Set(markers.map((m) => m.key)).size;

  if (logFiles === 0 || markers.length === 0) {
    const why = `${logFiles} log files under ${logDir ?? `$${RUN_DIR_ENV} (unset)`}, ${keys} private keys recorded`;
    if (strict) {
      throw new Error(
        `key-leak check: nothing to scan (${why}). The suites that start servers and CLI processes capture their output there ` +
          '(test/helpers/test-run.ts: captureOutput, runLogger) and record the keys they made (tempDir cleanup): that plumbing is broken.',
      );
    }
    console.log(`\nkey-leak check: nothing to scan in this narrowed run (${why})`);
    if (dir) rmSync(dir, { recursive: true, force: true });
    return;
  }
  const { files, lines, leaks } = scanForKeyLeaks(logDir!, markers);
  if (leaks.length > 0) {
    const list = leaks
      .slice(0, 20)
      .map((l) => `  ${join(logDir!, l.file)}:${l.line}: ${l.what}`)
      .join('\n');
    throw new Error(`private key material in ${leaks.length} log line(s) of this test run:\n${list}`);
  }
  console.log(
    `\nkey-leak check: ${lines} log lines in ${files} files searched for PEM key headers and for the secrets of ${keys} private keys (base64, base64url, hex): no private key material`,
  );
  rmSync(dir!, { recursive: true, force: true });
}
