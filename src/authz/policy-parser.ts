// A policy file is parsed and validated in a short-lived worker thread: the YAML parser, zod and
// the policy schemas (~4.3 MB of heap, docs/BENCHMARKS.md) never enter the process that serves,
// where every MB of heap is garbage-collection work on every call and message. The worker runs
// the same parsePolicy (policy-file.ts) and hands back the validated model (plain data, compiled
// here) or the problems it found, which become the same ConfigError. Fail closed: a worker that
// cannot start, crashes or does not answer is a load that failed (the policy in force stays).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { readUserFile } from '../store/read-file';
import { ConfigError, FileIssue } from '../text/config-error';
import { CompiledPolicy } from './compiled-policy';
import type * as PolicyFileModule from './policy-file';
import type { PolicyModel } from './policy-model';

/** How long a parse may take before it counts as failed (a policy is limited in size: policy-limits.ts). */
const PARSE_TIMEOUT_MS = 30_000;

type Reply = { model: PolicyModel } | { issues: FileIssue[] } | { failed: string };

// Plain JavaScript, run by the worker: parse, answer, and let the thread end.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
let reply;
try {
  reply = { model: require(workerData.parser).parsePolicy(workerData.text, workerData.file) };
} catch (err) {
  reply = err && err.code === 'CONFIG_INVALID' && Array.isArray(err.issues) ? { issues: err.issues } : { failed: String((err && err.message) || err) };
}
workerData.port.postMessage(reply);
workerData.port.close();
if (workerData.done) { Atomics.store(workerData.done, 0, 1); Atomics.notify(workerData.done, 0); }
`;

/** The compiled parser beside this file; absent when run from TypeScript sources (ts-jest), which parse in-process. */
const COMPILED_PARSER = join(__dirname, 'policy-file.js');

function inProcess(): typeof PolicyFileModule | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return existsSync(COMPILED_PARSER) ? undefined : (require('./policy-file') as typeof PolicyFileModule);
}

function modelOf(reply: Reply | undefined, file: string): PolicyModel {
  if (!reply) throw new Error(`the policy parser for ${file} did not answer within ${PARSE_TIMEOUT_MS} ms`);
  if ('model' in reply) return reply.model;
  if ('issues' in reply) throw new ConfigError(file, reply.issues);
  throw new Error(`the policy parser for ${file} failed: ${reply.failed}`);
}

function start(text: string, file: string, done?: Int32Array): { worker: Worker; answer: MessageChannel['port1'] } {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { parser: COMPILED_PARSER, text, file, port: port2, done },
    transferList: [port2],
    // No stdin/stdout of its own to hold open, and none of the process's --require/--inspect flags.
    execArgv: [],
  });
  return { worker, answer: port1 };
}

/** Parses and validates policy text, blocking until the worker answers (the first load: a server must not start without its policy). */
export function parsePolicyText(text: string, file: string): PolicyModel {
  const local = inProcess();
  if (local) return local.parsePolicy(text, file);
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { worker, answer } = start(text, file, done);
  try {
    Atomics.wait(done, 0, 0, PARSE_TIMEOUT_MS);
    return modelOf(receiveMessageOnPort(answer)?.message as Reply | undefined, file);
  } finally {
    answer.close();
    void worker.terminate();
  }
}

/** The same, without blocking the event loop (reloads: calls keep being answered meanwhile). */
export async function parsePolicyTextAsync(text: string, file: string): Promise<PolicyModel> {
  const local = inProcess();
  if (local) return local.parsePolicy(text, file);
  const { worker, answer } = start(text, file);
  try {
    const reply = await new Promise<Reply | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), PARSE_TIMEOUT_MS);
      answer.once('message', (m: Reply) => {
        clearTimeout(timer);
        resolve(m);
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        resolve({ failed: err.message });
      });
      worker.once('exit', () => setTimeout(() => resolve({ failed: 'the worker exited without an answer' }), 50).unref());
    });
    return modelOf(reply, file);
  } finally {
    answer.close();
    void worker.terminate();
  }
}

/** loadPolicyFile (policy-file.ts) for a serving process: read here, parsed in the worker, compiled here. */
export function loadPolicyFileInWorker(file: string, generation = 1): CompiledPolicy {
  return new CompiledPolicy(parsePolicyText(readUserFile(file, 'policy file', 'policyFile'), file), generation);
}

/** The same for reloads, not blocking the event loop. */
export async function loadPolicyFileInWorkerAsync(file: string, generation = 1): Promise<CompiledPolicy> {
  return new CompiledPolicy(await parsePolicyTextAsync(readUserFile(file, 'policy file', 'policyFile'), file), generation);
}
