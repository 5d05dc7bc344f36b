// SIGTERM/SIGINT handling for a process that runs one certrpc server (certrpc serve, npm start):
// the first signal drains gracefully (graceful-stop.ts), a second one ends the grace period at
// once. Afterwards the cleanups run (audit log, metrics endpoint) and the promise resolves; the
// caller decides how the process exits.
import type { Logger } from '../log/logger';
import type { CertrpcServer } from './create-server';
import type { StopReport } from './graceful-stop';
import { onStopSignals } from './stop-signals';

export interface StopOnSignalOptions {
  graceMs: number;
  logger: Logger;
  /** Run after the server has stopped, in order (flush the audit log, close the metrics endpoint). */
  cleanups?: (() => void | Promise<void>)[];
  signals?: NodeJS.Signals[];
}

export function stopOnSignal(server: CertrpcServer, options: StopOnSignalOptions): Promise<StopReport & { signal: NodeJS.Signals }> {
  const { logger } = options;
  return new Promise((resolve, reject) => {
    const hurry = new AbortController();
    const signals = onStopSignals(
      (signal) => {
        logger.info(
          { event: 'shutdown', signal, graceMs: options.graceMs },
          `${signal}: shutting down (grace period ${options.graceMs} ms; send it again to skip it)`,
        );
        void (async () => {
          const started = Date.now();
          const report = await server.shutdown(options.graceMs, { hurry: hurry.signal });
          for (const cleanup of options.cleanups ?? []) await cleanup();
          signals.stopped();
          logger.info({ event: 'stopped', ...report, ms: Date.now() - started }, 'stopped');
          resolve({ ...report, signal });
        })().catch(reject);
      },
      (signal) => {
        if (hurry.signal.aborted) return;
        logger.warn({ signal }, `${signal} again: ending the grace period now`);
        hurry.abort();
      },
      options.signals,
    );
  });
}
