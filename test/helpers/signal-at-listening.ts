// Runs a long-running certrpc process (serve, proxy, the demo of npm start) with a SIGTERM sent the
// instant it prints its "listening on" line (sigterm-at-listening.cjs), and reports how it ended.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { CERTRPC } from './cli';
import { captureOutput } from './test-run';

export interface SignalledExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `certrpc ...args`, or another node script (options.script, e.g. dist/app/demo-start.js). */
export function sigtermAtListening(args: string[], options: { script?: string; env?: NodeJS.ProcessEnv } = {}): Promise<SignalledExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', join(__dirname, 'sigterm-at-listening.cjs'), options.script ?? CERTRPC, ...args], {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    captureOutput(child, args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
