import { PkiError } from './errors';

/** Certificates start one minute in the past so a peer whose clock lags slightly accepts them. */
const CLOCK_SKEW_MS = 60_000;
const DAY_MS = 86_400_000;

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function validityFor(days: number, now = new Date()): Validity {
  if (!Number.isFinite(days) || days <= 0 || days > 36500) {
    throw new PkiError(`invalid validity "${days}" days`, {
      option: 'days',
      code: 'DAYS',
      fix: 'give a whole number of days between 1 and 36500',
    });
  }
  return {
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}

/**
 * A validity of `lifetimeMs` from now, for short-lived certificates (agent-managed identities live
 * hours, tests make 10 s ones). The back-dating that absorbs clock skew is at most a minute and at
 * most a tenth of the lifetime, so renewing at 2/3 of notBefore..notAfter stays 2/3 of the way.
 */
export function validityForLifetime(lifetimeMs: number, now = new Date()): Validity {
  if (!Number.isFinite(lifetimeMs) || lifetimeMs < 1000)
    throw new PkiError(`invalid lifetime ${lifetimeMs} ms`, { option: 'lifetime', fix: 'give a duration of at least 1s, e.g. 24h' });
  const skew = Math.min(CLOCK_SKEW_MS, Math.floor(lifetimeMs / 10));
  return { notBefore: new Date(now.getTime() - skew), notAfter: new Date(now.getTime() + lifetimeMs) };
}

/** The lifetime a certificate was issued for, undoing the back-dating of validityFor / validityForLifetime. */
export function lifetimeOf(notBefore: Date, notAfter: Date): number {
  const span = notAfter.getTime() - notBefore.getTime();
  // span = lifetime + min(60 s, lifetime / 10): the minute applies from a lifetime of 600 s up.
  return span >= 660_000 ? span - CLOCK_SKEW_MS : Math.round(span / 1.1);
}
