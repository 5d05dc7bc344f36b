// `certrpc serve` as its own process (the CLI from the bench build), for the scenarios that measure
// what it does on its own: following its files (rotation), enforcing a new CRL (revocation).
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const CLI_ENTRY = join(__dirname, 'certrpc-cli-entry.js');

export interface ServeProcess {
  child: ChildProcess;
  address: string;
  /** Its JSON log lines so far (stderr), parsed. */
  logLines: () => Record<string, unknown>[];
  /** How many "reloaded" lines it has written. */
  reloads: () => number;
  stop: () => Promise<void>;
}

/** `certrpc serve --dir DIR --port 0 ...extraArgs`; resolves once it prints "listening on". */
export async function startServe(dir: string, extraArgs: string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'serve', '--demo', '--dir', dir, '--port', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const address = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /listening on (\S+)/.exec(stdout);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`certrpc serve exited ${code}: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    address,
    logLines: () =>
      stderr.split('\n').flatMap((line) => {
        try {
          return line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : [];
        } catch {
          return []; // a line still being written
        }
      }),
    reloads: () => (stderr.match(/"event":"reloaded"/g) ?? []).length,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
