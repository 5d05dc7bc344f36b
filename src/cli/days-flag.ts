import { UsageError } from './exit-codes';

/** "30d", "4w" or "30" (days) for thresholds such as cert list --expiring and serve --expiry-warning. */
export function parseDaysFlag(value: string, flag: string): number {
  const m = /^\s*(\d+)\s*([dw]?)\s*$/i.exec(value);
  const n = m ? Number(m[1]) * (m[2].toLowerCase() === 'w' ? 7 : 1) : NaN;
  if (!m || n > 36500) throw new UsageError(`bad ${flag} "${value}"`, `give a number of days, e.g. ${flag} 30d (or 4w, or 30)`);
  return n;
}
