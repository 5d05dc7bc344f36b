// A server refuses a revoked client certificate without saying why (TLS 1.3: it just closes the
// connection), so a client can only guess "untrusted CA, or revoked". The caller's own copy of
// the CRL can tell: this turns such a refusal into "revoked", with the date, reason and source.
// One wording for `certrpc doctor` and every command that connects (call, list, describe).
import type { TlsFailure } from '../tls/failure-reasons';
import type { ProbeStep } from '../tls/probe';

/** What the local PKI directory says about our certificate (the CLI looks in DIR/crl.pem and DIR/revocations.json). */
export interface LocalRevocation {
  serial: string;
  revokedAt: string;
  reason: string;
  /** The file that lists it. */
  source: string;
}

/** Looked up only when a connection failed: reading CRLs loads the x509 parser. */
export type LocalRevocationLookup = () => Promise<LocalRevocation | undefined>;

export const NEW_CERTIFICATE_FIX =
  'ask for a new certificate (on the CA host: a new client certificate, or certrpc cert renew NAME); a revoked certificate never works again';

export const revokedText = (r: LocalRevocation): string =>
  `serial ${r.serial} was revoked at ${r.revokedAt} (${r.reason}), according to ${r.source}`;

/** The failure to report: "revoked" when the server refused our certificate and our CRL lists it, else the probe's own. */
export function withLocalRevocation(step: ProbeStep, failure: TlsFailure, revoked: LocalRevocation | undefined): TlsFailure {
  if (step !== 'client-certificate' || !revoked) return failure;
  return {
    side: 'server',
    code: 'certificate revoked',
    reason: `the server refused your certificate: it is revoked (${revokedText(revoked)})`,
    fix: NEW_CERTIFICATE_FIX,
  };
}
