// When to renew: at 2/3 of the certificate's validity, give or take 5% of it (so a fleet issued at
// once does not renew at once), and after a failure again with exponential backoff, never waiting
// so long that the certificate expires before the next try.

export const RENEW_AT = 2 / 3;
export const JITTER = 0.05;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 5 * 60_000;

/** The time to renew a certificate valid from notBefore to notAfter; `random` in [0, 1). */
export function renewalTime(notBefore: Date, notAfter: Date, random: () => number = Math.random): Date {
  const span = notAfter.getTime() - notBefore.getTime();
  const jitter = (random() * 2 - 1) * JITTER * span;
  return new Date(notBefore.getTime() + span * RENEW_AT + jitter);
}

/**
 * How long to wait after the `attempt`-th failure (1, 2, ...): 1 s, 2 s, 4 s ... up to 5 min, but at
 * most a quarter of the time left, so several tries still fit before notAfter (and at least 250 ms).
 */
export function retryDelay(attempt: number, notAfter: Date | undefined, now = new Date()): number {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempt - 1));
  if (!notAfter) return backoff;
  const left = notAfter.getTime() - now.getTime();
  return Math.max(250, Math.min(backoff, left / 4));
}
