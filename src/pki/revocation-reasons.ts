// The revocation reasons, apart from pki/crl.ts: the revocation records a server reads (and their
// schema) need the names, not the CRL code, which loads @peculiar/x509 (~3 MB of a server's heap).

/** RFC 5280 reason codes an operator may give (removeFromCRL and certificateHold are not supported: a revocation here is final). */
export const REVOCATION_REASONS = [
  'unspecified',
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'privilegeWithdrawn',
  'aACompromise',
] as const;
export type RevocationReason = (typeof REVOCATION_REASONS)[number];
