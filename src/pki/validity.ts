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
    throw new PkiError(`invalid validity "${days}" days`, { option: 'days', code: 'DAYS', fix: 'give a whole number of days between 1 and 36500' });
  }
  return {
    notBefore: new Date(now.getTime() - CLOCK_SKEW_MS),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}

export function parseDays(value: string, option = 'days'): number {
  const days = Number(value);
  if (!/^\d+$/.test(value.trim()) || days <= 0 || days > 36500) {
    throw new PkiError(`invalid number of days "${value}"`, { option, code: 'DAYS', fix: 'give a whole number of days between 1 and 36500, e.g. 90' });
  }
  return days;
}
