// `certrpc serve` as a process: its arguments are parsed, checked and explained (help, usage errors,
// --config) by the whole CLI in a short-lived worker thread, which hands back the checked inputs
// (serve-run.ts) or ends with the exit code it printed a reason for. Commander and the CLI's command
// tree then never enter the thread that serves (~0.9 MB of heap it would keep: serve-run.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { exitCodeOf, messageOf, reportError } from './error-report';
import type * as ServeRunModule from './serve-run';
import type { ServeInputs } from './serve-run';

/** What the worker is started with; serve.ts's action looks for it. */
const HANDOVER = 'certrpc serve arguments';

/** The compiled CLI beside this file; absent when run from TypeScript sources (ts-jest): then serve parses in-process. */
const COMPILED_MAIN = join(__dirname, 'main.js');

/** In the arguments worker: posts the checked inputs to the serving thread and says so. */
export function handedOver(inputs: ServeInputs): boolean {
  if (isMainThread || (workerData as { role?: string } | null)?.role !== HANDOVER) return false;
  parentPort!.postMessage(inputs);
  return true;
}

/** True when `certrpc serve` can parse its arguments aside (the compiled CLI is there). */
export function canParseAside(): boolean {
  return existsSync(COMPILED_MAIN);
}

// Plain JavaScript, run by the worker: the CLI's own main on the same argv.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
require(workerData.main).main(workerData.argv);
`;

/** The inputs the worker checked, or undefined when it ended otherwise (help, a usage error: it printed why, process.exitCode says how). */
export function parseServeArguments(argv: string[]): Promise<ServeInputs | undefined> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      argv: argv.slice(2),
      workerData: { role: HANDOVER, main: COMPILED_MAIN, argv },
      // None of the process's --require/--inspect flags: they belong to the serving thread.
      execArgv: [],
    });
    let inputs: ServeInputs | undefined;
    worker.on('message', (message: ServeInputs) => (inputs = message));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (inputs === undefined) process.exitCode = code === 0 ? process.exitCode : code;
      resolve(inputs);
    });
  });
}

/** `certrpc serve ...`: arguments aside, then serve here; a failure to start is reported as any command's. */
export async function serveProcess(argv: string[]): Promise<void> {
  // grpc-js sets an IP address as TLS servername, which Node flags as deprecated on every call (as runProgram does).
  process.noDeprecation = true;
  try {
    const inputs = await parseServeArguments(argv);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (inputs) await (require('./serve-run') as typeof ServeRunModule).runServe(inputs);
  } catch (err) {
    reportError(err, messageOf(err), exitCodeOf(err));
  }
}
