// What an operator gives for step-ca (its URL, the root's fingerprint), read into the one form the
// client acts on: the base URL https://HOST:PORT, and the root's SHA-256 as 64 lower-case hex digits.
import { createHash, X509Certificate } from 'node:crypto';
import { StepCaError } from './step-ca-error';

/** `https://HOST[:PORT][/]` -> its origin. No path, query, fragment or credentials: endpoints are appended. */
export function parseStepCaUrl(text: string, option = 'stepCaUrl'): string {
  const fix =
    'give the CA\'s address as step-ca prints it at start ("The primary server URL is https://HOST:PORT"), e.g. https://ca.internal:9000';
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new StepCaError('bad-input', `"${text}" is not a URL`, { option, fix });
  }
  if (url.protocol !== 'https:')
    throw new StepCaError('bad-input', `"${text}" is not an https:// URL: step-ca only speaks HTTPS`, { option, fix });
  if (url.username || url.password)
    throw new StepCaError(
      'bad-input',
      `"${text}" carries credentials: the one-time token authenticates enrollment, the certificate renewal`,
      { option, fix },
    );
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new StepCaError(
      'bad-input',
      `"${text}" has a path, query or fragment: certrpc appends step-ca's own paths (/1.0/sign, /1.0/renew)`,
      { option, fix },
    );
  }
  return url.origin;
}

/**
 * A SHA-256 fingerprint as people copy it: `step certificate fingerprint` (hex), OpenSSL
 * (`AB:CD:...`, upper case), with or without colons, spaces or dashes. -> 64 lower-case hex digits.
 */
export function parseFingerprint(text: string, option = 'caFingerprint'): string {
  const hex = text
    .trim()
    .replace(/^sha256[:=]/i, '')
    .replace(/[:\s-]/g, '')
    .toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex)) {
    throw new StepCaError('bad-input', `"${text}" is not a SHA-256 fingerprint (64 hex digits, colons allowed)`, {
      option,
      fix: 'take it from the CA host: `step certificate fingerprint $(step path)/certs/root_ca.crt`, or `openssl x509 -in root_ca.crt -noout -fingerprint -sha256`, or the "X.509 Root Fingerprint" line step-ca prints at start',
    });
  }
  return hex;
}

/** The SHA-256 of a certificate's DER, as parseFingerprint writes it. */
export function fingerprintOf(cert: X509Certificate): string {
  return createHash('sha256').update(cert.raw).digest('hex');
}
