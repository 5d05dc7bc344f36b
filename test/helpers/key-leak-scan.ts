// The check behind "no log line ever holds private key material". Every file under the run's
// logs/ (child processes' output, in-process loggers) is searched for:
// - a PEM private key header, and
// - the secret of every private key the suite wrote (EC/Ed25519 "d", RSA "d", "p", "q"), however it
//   was encoded: base64 or base64url at any byte alignment (so inside any DER container: PKCS#8,
//   SEC1, PKCS#1, a JWK, a PEM body with or without its lines), or hex (with or without ":" or
//   line breaks, as openssl prints it).
// Whitespace, ":" and JSON escapes (\n, \r, \t) are skipped while reading, so a key wrapped over
// several lines, or escaped into one JSON string, is seen whole. The markers are windows of 24
// secret bytes: long enough never to match by chance, short enough to catch a truncated copy.
import { createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface KeyLeak {
  file: string;
  line: number;
  what: string;
}

/** One recorded key's search string: a window of its secret in one encoding, and where the key was found. */
export interface KeyMarker {
  encoding: 'base64' | 'base64url' | 'hex';
  window: string;
  key: string;
}

const WINDOW_BYTES = 24;
const PEM_HEADER = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
const PRIVATE_KEY_BLOCK = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END \1PRIVATE KEY-----/g;

/** The secret components of a private key (JWK members), or [] when it cannot be read (encrypted, unknown). */
function secretsOf(pem: string): Buffer[] {
  try {
    const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as Record<string, string | undefined>;
    return ['d', 'p', 'q'].flatMap((m) => (jwk[m] ? [Buffer.from(jwk[m]!, 'base64url')] : [])).filter((b) => b.length >= WINDOW_BYTES + 2);
  } catch {
    return [];
  }
}

/** Markers for every unencrypted PEM private key in the text; `key` names where it came from. */
export function keyMarkers(text: string, key: string): KeyMarker[] {
  const markers: KeyMarker[] = [];
  for (const [pem] of text.matchAll(PRIVATE_KEY_BLOCK)) {
    for (const secret of secretsOf(pem)) {
      // Base64 groups 3 bytes: the secret's encoding inside a larger blob depends on its offset mod 3.
      for (let k = 0; k < 3; k++) {
        const bytes = secret.subarray(k, k + WINDOW_BYTES);
        markers.push({ encoding: 'base64', window: bytes.toString('base64'), key });
        // The same string when the window has no "+" or "/": recorded once.
        if (bytes.toString('base64url') !== bytes.toString('base64'))
          markers.push({ encoding: 'base64url', window: bytes.toString('base64url'), key });
      }
      markers.push({ encoding: 'hex', window: secret.subarray(0, WINDOW_BYTES).toString('hex'), key });
    }
  }
  return markers;
}

export function formatMarkers(markers: KeyMarker[]): string {
  return markers.map((m) => `${m.encoding} ${m.window} ${m.key}\n`).join('');
}

export function readKeyMarkers(keyDir: string): KeyMarker[] {
  return readdirSync(keyDir).flatMap((name) =>
    readFileSync(join(keyDir, name), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [encoding, window, ...key] = line.split(' ');
        return { encoding: encoding as KeyMarker['encoding'], window, key: key.join(' ') };
      }),
  );
}

const B64_WINDOW = (WINDOW_BYTES / 3) * 4;
const HEX_WINDOW = WINDOW_BYTES * 2;
const isRunChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 45 || c === 95; // 0-9 A-Z a-z + / - _
const isSkipped = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 58; // space, tab, LF, CR, ":"

/** Every leak in one text, with the line each run of base64/hex characters started on. */
export function scanText(text: string, file: string, markers: KeyMarker[]): KeyLeak[] {
  const b64 = new Map<string, KeyMarker>();
  const hex = new Map<string, KeyMarker>();
  for (const m of markers) (m.encoding === 'hex' ? hex : b64).set(m.window, m);
  const leaks: KeyLeak[] = [];
  const seen = new Set<string>();
  const report = (line: number, m: KeyMarker) => {
    const what = `the private key ${m.key} as ${m.encoding}`;
    if (seen.has(`${line} ${what}`)) return;
    seen.add(`${line} ${what}`);
    leaks.push({ file, line, what });
  };
  text.split('\n').forEach((l, i) => {
    if (PEM_HEADER.test(l)) leaks.push({ file, line: i + 1, what: 'a PEM private key header' });
  });
  let run = '';
  let runLine = 1;
  let line = 1;
  const flush = () => {
    if (run.length >= B64_WINDOW) {
      for (let i = 0; i + B64_WINDOW <= run.length; i++) {
        const m = b64.get(run.substr(i, B64_WINDOW));
        if (m) report(runLine, m);
      }
      const lower = run.toLowerCase();
      for (let i = 0; i + HEX_WINDOW <= lower.length; i++) {
        const m = hex.get(lower.substr(i, HEX_WINDOW));
        if (m) report(runLine, m);
      }
    }
    run = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (isSkipped(c)) continue;
    // A JSON escape of a line break or tab: skipped like the character itself.
    if (c === 92 && (text[i + 1] === 'n' || text[i + 1] === 'r' || text[i + 1] === 't')) {
      i++;
      continue;
    }
    if (isRunChar(c)) {
      if (run === '') runLine = line;
      run += text[i];
    } else {
      flush();
    }
  }
  flush();
  return leaks;
}

export function scanForKeyLeaks(logDir: string, markers: KeyMarker[]): { files: number; lines: number; leaks: KeyLeak[] } {
  const leaks: KeyLeak[] = [];
  let files = 0;
  let lines = 0;
  for (const name of readdirSync(logDir)) {
    files++;
    const text = readFileSync(join(logDir, name), 'latin1');
    lines += text.split('\n').length;
    leaks.push(...scanText(text, name, markers));
  }
  return { files, lines, leaks };
}
