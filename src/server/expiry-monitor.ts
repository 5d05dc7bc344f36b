// A server says, at start and then once a day, when its own certificate, a CA it trusts, or a CRL
// it enforces is close to expiry: the operator learns it from the log weeks before handshakes fail.
import type { Logger } from '../log/logger';
import type { LoadedTls } from '../tls/tls-material-files';

export const DEFAULT_EXPIRY_WARNING_DAYS = 30;
/** CRLs are republished often (certrpc ca crl); a week's notice is enough. */
export const DEFAULT_CRL_WARNING_DAYS = 7;
const DAY_MS = 86_400_000;

export interface ExpiryWarning {
  what: 'certificate' | 'ca' | 'crl';
  subject: string;
  serial?: string;
  expiresAt: Date;
  /** Negative once expired. */
  daysLeft: number;
  message: string;
}

export interface ExpiryThresholds {
  /** Certificate and CAs. Default 30 days. */
  days?: number;
  crlDays?: number;
  now?: Date;
}

function when(daysLeft: number, at: Date): string {
  const date = at.toISOString();
  if (daysLeft < 0) return `expired ${-daysLeft} day(s) ago (${date})`;
  return `expires in ${daysLeft} day(s) (${date})`;
}

/** What is close to expiry in this material (pure: the monitor logs it). */
export function expiryWarnings(
  loaded: Pick<LoadedTls, 'certificate' | 'cas' | 'crls'>,
  thresholds: ExpiryThresholds = {},
): ExpiryWarning[] {
  const now = thresholds.now ?? new Date();
  const days = thresholds.days ?? DEFAULT_EXPIRY_WARNING_DAYS;
  const crlDays = thresholds.crlDays ?? DEFAULT_CRL_WARNING_DAYS;
  const left = (at: Date) => Math.floor((at.getTime() - now.getTime()) / DAY_MS);
  const warnings: ExpiryWarning[] = [];
  const cert = loaded.certificate;
  if (left(cert.notAfter) < days) {
    const daysLeft = left(cert.notAfter);
    warnings.push({
      what: 'certificate',
      subject: cert.subject,
      serial: cert.serial,
      expiresAt: cert.notAfter,
      daysLeft,
      message: `the server certificate "${cert.subject}" (serial ${cert.serial}) ${when(daysLeft, cert.notAfter)}: renew it with certrpc cert renew NAME; the server picks the new one up`,
    });
  }
  for (const ca of loaded.cas) {
    if (left(ca.notAfter) >= days) continue;
    const daysLeft = left(ca.notAfter);
    warnings.push({
      what: 'ca',
      subject: ca.subject,
      serial: ca.serial,
      expiresAt: ca.notAfter,
      daysLeft,
      message: `the trusted CA "${ca.subject}" (serial ${ca.serial}) ${when(daysLeft, ca.notAfter)}: rotate it (certrpc ca rotate, cert renew each NAME, ca retire)`,
    });
  }
  for (const crl of loaded.crls) {
    if (!crl.nextUpdate || left(crl.nextUpdate) >= crlDays) continue;
    const daysLeft = left(crl.nextUpdate);
    warnings.push({
      what: 'crl',
      subject: crl.issuer,
      expiresAt: crl.nextUpdate,
      daysLeft,
      message: `the CRL of "${crl.issuer}" ${when(daysLeft, crl.nextUpdate)}; once expired every client of that CA is refused: republish with certrpc ca crl`,
    });
  }
  return warnings;
}

export interface ExpiryMonitorOptions extends Omit<ExpiryThresholds, 'now'> {
  /** The material in force now (it changes on reload). */
  current: () => Pick<LoadedTls, 'certificate' | 'cas' | 'crls'>;
  logger: Logger;
  /** Default one day. */
  intervalMs?: number;
}

/** Checks now and then every intervalMs; the timer never keeps the process alive. */
export function startExpiryMonitor(options: ExpiryMonitorOptions): { check: () => ExpiryWarning[]; stop: () => void } {
  const check = () => {
    const warnings = expiryWarnings(options.current(), options);
    for (const w of warnings) {
      const fields = {
        event: 'expiry_warning',
        what: w.what,
        subject: w.subject,
        serial: w.serial,
        expiresAt: w.expiresAt.toISOString(),
        daysLeft: w.daysLeft,
      };
      if (w.daysLeft < 0) options.logger.error(fields, w.message);
      else options.logger.warn(fields, w.message);
    }
    return warnings;
  };
  check();
  const timer = setInterval(check, options.intervalMs ?? DAY_MS);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
