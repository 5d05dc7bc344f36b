// The daemon's renewal timer: one renewal at the time renewal-schedule.ts gives, and after a failure
// again with backoff until the CA answers or the certificate expires. Then (or when the CA says the
// certificate will never renew: revoked) the identity is lost: the loop ends and the agent says so.
// A failure never touches the files: the certificate in force stays in force until it expires.
import type { X509Certificate } from 'node:crypto';
import type { Logger } from '../log/logger';
import { PkiError } from '../pki/errors';
import { serialHex } from '../pki/verify';
import { describe, IdentityLostError, isIdentityLost, isRefusal } from './agent-failures';
import { retryDelay } from './renewal-schedule';

/** setTimeout's limit is ~24.8 days: longer waits are taken in steps. */
const MAX_TIMER_MS = 86_400_000;

export interface RenewalLoopOptions {
  logger: Logger;
  certFile: string;
  /** The certificate held now. */
  current: () => X509Certificate;
  /** When the certificate held now is due (renewal-schedule.ts). */
  dueAt: () => Date;
  /** One renewal: checked, written, --exec; rejects when the CA did not renew. */
  renew: () => Promise<void>;
  /** The identity cannot come back without a new enrollment. */
  lost: (err: PkiError) => void;
}

export class RenewalLoop {
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly options: RenewalLoopOptions) {}

  /** `attempt` 0: at the due time; n > 0: after the n-th failure, with backoff. */
  schedule(attempt = 0, lastProblem?: string): void {
    if (this.stopped) return;
    const notAfter = new Date(this.options.current().validTo);
    const at = attempt === 0 ? this.options.dueAt().getTime() : Date.now() + retryDelay(attempt, notAfter);
    const delay = Math.max(0, at - Date.now());
    this.timer = setTimeout(
      () => (delay > MAX_TIMER_MS ? this.schedule(attempt, lastProblem) : void this.renewNow(attempt, lastProblem)),
      Math.min(delay, MAX_TIMER_MS),
    );
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async renewNow(attempt: number, lastProblem?: string): Promise<void> {
    if (this.stopped) return;
    const { logger, certFile, current, renew, lost } = this.options;
    const leaf = current();
    const notAfter = new Date(leaf.validTo);
    if (Date.now() >= notAfter.getTime()) {
      return lost(
        new IdentityLostError(
          `this host's certificate (serial ${serialHex(leaf)}) expired at ${notAfter.toISOString()} before it could be renewed (the last try: ${lastProblem ?? 'none'}); it cannot renew itself`,
          {
            file: certFile,
            fix: 'get the CA answering again, then enroll this host again with a new one-time token',
          },
        ),
      );
    }
    try {
      await renew();
      this.schedule(0);
    } catch (err) {
      if (this.stopped) return;
      if (isIdentityLost(err)) return lost(err as PkiError);
      const wait = retryDelay(attempt + 1, notAfter);
      logger[isRefusal(err) ? 'error' : 'warn'](
        { event: 'renew_failed', attempt: attempt + 1, problem: describe(err), retryInMs: wait, notAfter: notAfter.toISOString() },
        `renewal failed (attempt ${attempt + 1}), retrying in ${wait} ms: ${describe(err)}; ${certFile} stays in force until ${notAfter.toISOString()}`,
      );
      this.schedule(attempt + 1, describe(err));
    }
  }
}
