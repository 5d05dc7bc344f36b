// Runs the real CLI (bin/certrpc, compiled dist/) as a child process. `npm test` builds first.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { captureOutput } from './test-run';

export const CERTRPC = join(__dirname, '..', '..', 'bin', 'certrpc');

/** How to start `certrpc ...args`: directly, or inside a network namespace (multi-host tests, root only). */
function command(args: string[], netns?: string): [string, string[]] {
  return netns ? ['ip', ['netns', 'exec', netns, process.execPath, CERTRPC, ...args]] : [process.execPath, [CERTRPC, ...args]];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `certrpc ...args` to completion; stdin is given or closed. */
export function runCli(
  args: string[],
  options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; netns?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(...command(args, options.netns), { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: 'pipe' });
    captureOutput(child, args); // every line is checked for key material at the end of the run
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface RunningServer {
  child: ChildProcess;
  address: string;
  port: number;
  /** Everything the process wrote to stderr so far (its JSON logs). */
  logs: () => string;
  /** Everything it wrote to stdout so far ("metrics on ...", "listening on ..."). */
  output: () => string;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * Starts a long-running certrpc command (serve, proxy) and resolves once it prints
 * "listening on HOST:PORT". Use --port 0 so suites never collide.
 */
export function startCli(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; netns?: string } = {},
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(...command(args, options.netns), {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    captureOutput(child, args);
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`certrpc ${args.join(' ')} did not print "listening on" in time.\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, options.timeoutMs ?? 20_000);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /listening on (\S+):(\d+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({
          child,
          address: `${m[1]}:${m[2]}`,
          port: Number(m[2]),
          logs: () => stderr,
          output: () => stdout,
          stop: async (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`certrpc ${args.join(' ')} exited with ${code} before listening.\nstdout: ${stdout}\nstderr: ${stderr}`));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  /** Everything written to stderr so far (the JSON log). */
  logs: () => string;
  output: () => string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/** Starts a long-running certrpc command that prints no "listening on" line (certrpc agent). */
export function spawnCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; netns?: string } = {}): RunningProcess {
  const child = spawn(...command(args, options.netns), {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  captureOutput(child, args);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    logs: () => stderr,
    output: () => stdout,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
