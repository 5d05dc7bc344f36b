// The check behind "no log line ever holds private key material": every file under logs/ is
// searched for a PEM private key header and for every base64 line of every key the suite made.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyLeak {
  file: string;
  line: number;
  what: string;
}

const PEM_HEADER = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

export function scanForKeyLeaks(logDir: string, keyLines: Iterable<string>): { files: number; lines: number; leaks: KeyLeak[] } {
  const secrets = [...new Set(keyLines)];
  const leaks: KeyLeak[] = [];
  let files = 0;
  let lines = 0;
  for (const name of readdirSync(logDir)) {
    files++;
    const text = readFileSync(join(logDir, name), 'latin1');
    text.split('\n').forEach((line, i) => {
      lines++;
      if (PEM_HEADER.test(line)) leaks.push({ file: name, line: i + 1, what: 'a PEM private key header' });
      // Escaped newlines in JSON logs ("\n") still leave each base64 line intact.
      for (const secret of secrets) if (line.includes(secret)) leaks.push({ file: name, line: i + 1, what: `the key line ${secret.slice(0, 12)}...` });
    });
  }
  return { files, lines, leaks };
}

export function readKeyLines(keyDir: string): string[] {
  return readdirSync(keyDir).flatMap((name) => readFileSync(join(keyDir, name), 'utf8').split('\n').filter(Boolean));
}
