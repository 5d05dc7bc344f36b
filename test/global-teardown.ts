// After every suite: no log line produced by any child process of the run holds private key
// material. Fails the run (and keeps the logs for inspection) on any hit.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readKeyLines, scanForKeyLeaks } from './helpers/key-leak-scan';
import { RUN_DIR_ENV } from './helpers/test-run';

export default function globalTeardown(): void {
  const dir = process.env[RUN_DIR_ENV];
  if (!dir || !existsSync(join(dir, 'logs'))) return;
  const keys = existsSync(join(dir, 'keys')) ? readKeyLines(join(dir, 'keys')) : [];
  const { files, lines, leaks } = scanForKeyLeaks(join(dir, 'logs'), keys);
  if (leaks.length > 0) {
    const list = leaks.slice(0, 20).map((l) => `  ${join(dir, 'logs', l.file)}:${l.line}: ${l.what}`).join('\n');
    throw new Error(`private key material in ${leaks.length} log line(s) of this test run:\n${list}`);
  }
  console.log(`\nkey-leak check: ${lines} log lines from ${files} child processes searched for PEM key headers and ${new Set(keys).size} base64 key lines: no private key material`);
  rmSync(dir, { recursive: true, force: true });
}
