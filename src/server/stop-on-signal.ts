// SIGTERM/SIGINT handling for a process that runs one certrpc server (certrpc serve, npm start):
// the first signal drains gracefully (graceful-stop.ts), a second one ends the grace period at
// once. Afterwards the cleanups run (audit log, metrics endpoint) and the promise resolves; the
// caller decides how the process exits.
import type { Logger } from '../log/logger';
import type { CertrpcServer } from './create-server';
import type { StopReport } from './graceful-stop';

export interface StopOnSignalOptions {
  graceMs: number;
  logger: Logger;
  /** Run after the server has stopped, in order (flush the audit log, close the metrics endpoint). */
  cleanups?: (() => void | Promise<void>)[];
  signals?: NodeJS.Signals[];
}

/** How long after the stop further signals are ignored rather than killing the exiting process. */
const LATE_SIGNAL_WINDOW_MS = 10_000;

export function stopOnSignal(server: CertrpcServer, options: StopOnSignalOptions): Promise<StopReport & { signal: NodeJS.Signals }> {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const { logger } = options;
  return new Promise((resolve, reject) => {
    const hurry = new AbortController();
    let stopping: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, `${signal} again: ending the grace period now`);
        hurry.abort();
        return;
      }
      stopping = signal;
      logger.info({ event: 'shutdown', signal, graceMs: options.graceMs }, `${signal}: shutting down (grace period ${options.graceMs} ms; send it again to skip it)`);
      void (async () => {
        const started = Date.now();
        const report = await server.shutdown(options.graceMs, { hurry: hurry.signal });
        for (const cleanup of options.cleanups ?? []) await cleanup();
        // A late signal (npm forwarding the one a process group already got) must not kill the
        // process while its caller exits: it is ignored for a while, then the default comes back
        // (unref'd: it never holds the process open) for a library process that lives on.
        const ignore = () => logger.debug('signal ignored: already stopped');
        for (const s of signals) process.off(s, onSignal).on(s, ignore);
        setTimeout(() => signals.forEach((s) => process.off(s, ignore)), LATE_SIGNAL_WINDOW_MS).unref();
        logger.info({ event: 'stopped', ...report, ms: Date.now() - started }, 'stopped');
        resolve({ ...report, signal });
      })().catch(reject);
    };
    for (const s of signals) process.on(s, onSignal);
  });
}
