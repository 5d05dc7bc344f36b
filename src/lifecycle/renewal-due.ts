// Does a certificate need renewing? The rule of `step certificate needs-renewal`, which cron jobs
// already use: by default once 66% of its lifetime (notBefore..notAfter) has passed; with
// `--expires-in 75%` at another share of it; with `--expires-in 30d` once it expires within that
// window. An expired certificate always needs renewal; the percentage is truncated as step does.
import { X509Certificate } from 'node:crypto';
import { PkiError } from '../pki/errors';
import { formatDuration, parseDuration, QuantityError } from '../text/quantities';

export const DEFAULT_RENEWAL_PERCENT = 66;

export type RenewalThreshold = { percent: number } | { windowMs: number };

export interface RenewalVerdict {
  needsRenewal: boolean;
  /** Share of the lifetime passed, 0-100 and beyond once expired (one decimal). */
  percentUsed: number;
  /** Until notAfter; negative once expired. */
  remainingMs: number;
  notAfter: string;
  /** The rule applied, in words: "66% of its lifetime", "a window of 30d". */
  rule: string;
}

/** "75%" (0-100, whole percent) or a duration ("30d", "1h15m"); undefined is the default 66%. */
export function parseExpiresIn(value: string | undefined): RenewalThreshold {
  if (value === undefined) return { percent: DEFAULT_RENEWAL_PERCENT };
  const text = value.trim();
  if (text.endsWith('%')) {
    const percent = /^\d{1,3}$/.test(text.slice(0, -1)) ? Number(text.slice(0, -1)) : NaN;
    if (!(percent >= 0 && percent <= 100)) {
      throw new PkiError(`"${value}" is not a share of the lifetime`, {
        option: 'expiresIn',
        code: 'EXPIRES_IN',
        fix: 'give a whole percentage from 0% to 100%, e.g. 75%, or a window such as 30d',
      });
    }
    return { percent };
  }
  try {
    return { windowMs: parseDuration(text) };
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    throw new PkiError(`"${value}" is neither a percentage nor a duration`, {
      option: 'expiresIn',
      code: 'EXPIRES_IN',
      fix: 'give a share of the lifetime (75%) or a window before expiry (30d, 12h, 1h15m)',
    });
  }
}

export function renewalVerdict(cert: X509Certificate, threshold: RenewalThreshold, now = new Date()): RenewalVerdict {
  const notBefore = Date.parse(cert.validFrom);
  const notAfter = Date.parse(cert.validTo);
  const remainingMs = notAfter - now.getTime();
  const lifetime = Math.max(1, notAfter - notBefore);
  const used = (1 - remainingMs / lifetime) * 100;
  const needsRenewal = 'percent' in threshold ? Math.trunc(used) >= threshold.percent : remainingMs <= threshold.windowMs;
  return {
    needsRenewal,
    percentUsed: Math.round(used * 10) / 10,
    remainingMs,
    notAfter: new Date(notAfter).toISOString(),
    rule: 'percent' in threshold ? `${threshold.percent}% of its lifetime` : `expiry within ${formatDuration(threshold.windowMs)}`,
  };
}
