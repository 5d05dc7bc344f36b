// The agent's hold on the CA's trust material: a watch (certrpc's CA pushes; step-ca's backend
// polls), each delivery handled one at a time and in order (a later bundle must not be overtaken by
// an earlier one's write), and a watch that ends is opened again with backoff.
import type { Logger } from '../log/logger';
import { describe } from './agent-failures';
import { BundleWatch, CaBackend, CurrentIdentity, TrustMaterial } from './ca-backend';
import { retryDelay } from './renewal-schedule';

const MAX_WATCH_BACKOFF_MS = 30_000;

export interface TrustWatchOptions {
  backend: CaBackend;
  logger: Logger;
  /** The trust and identity to watch with, read at every (re)connection. */
  current: () => { trustPem: string; identity: CurrentIdentity };
  /** Handles one delivery; a rejection is logged and the files in force stay. */
  deliver: (material: TrustMaterial) => Promise<void>;
}

export class TrustWatch {
  private watch?: BundleWatch;
  private timer?: NodeJS.Timeout;
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: TrustWatchOptions) {}

  start(attempt = 0): void {
    if (this.stopped) return;
    const { backend, logger, current, deliver } = this.options;
    let delivered = false;
    const { trustPem, identity } = current();
    this.watch = backend.watchTrustMaterial(
      { trustPem, current: identity },
      (material) => {
        delivered = true;
        this.queue = this.queue.then(() =>
          deliver(material).catch((err: unknown) => {
            logger.error(
              { event: 'trust_refused', problem: describe(err) },
              `trust material from the CA refused; the files in force stay: ${describe(err)}`,
            );
          }),
        );
      },
      (err) => {
        if (this.stopped) return;
        const next = delivered ? 1 : attempt + 1;
        const wait = Math.min(MAX_WATCH_BACKOFF_MS, retryDelay(next, undefined));
        logger.warn(
          { event: 'watch_ended', problem: err ? describe(err) : 'the CA ended the stream', retryInMs: wait },
          `trust bundle watch ended; reconnecting in ${wait} ms`,
        );
        this.timer = setTimeout(() => this.start(next), wait);
      },
    );
  }

  /** A renewed identity watches with its new certificate. */
  restart(): void {
    clearTimeout(this.timer);
    const old = this.watch;
    this.watch = undefined;
    old?.cancel();
    this.start();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.watch?.cancel();
  }
}
