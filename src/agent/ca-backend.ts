// What the agent needs from a CA, whatever serves it. certrpc's own CA service is one backend
// (certrpc-backend.ts); another (step-ca's /sign and /renew: stepca/step-ca-backend.ts, a SPIRE
// server...) implements the same operations and the agent's scheduling, files, pinning and hooks
// stay as they are. The optional members say how such a CA differs from certrpc's own.
//
// Errors: a backend's error with `transient === true` is tried again later (an unreachable CA);
// one with `identityLost === true` from renew() means the CA will never renew this certificate
// (revoked, expired): the daemon stops and says so. Any other error from a CA that answered is a
// refusal: enrolling stops, renewing is retried with backoff. (Duck-typed: backends do not import
// the agent.)
import type { San } from '../pki/subject-alt-names';

/** The CA certificates to trust and the CRLs to enforce, as DIR/ca.crt and DIR/crl.pem hold them. */
export interface TrustMaterial {
  caBundlePem: string;
  /** Empty when the CA publishes no CRL. */
  crlPem: string;
}

export interface IssuedIdentity {
  /** The certificate, then its chain (intermediates), PEM. */
  certPem: string;
  /** What the CA wants the requester to know (e.g. a lifetime it capped). */
  notice?: string;
}

/** The host's current identity, for a backend that authenticates renewals with it (mutual TLS). */
export interface CurrentIdentity {
  certPem: string;
  keyPem: string;
}

export interface BundleWatch {
  cancel(): void;
}

export interface CaBackend {
  /**
   * Whether the CA publishes CRLs (certrpc's does). `false` (step-ca 0.19): a revocation shows only
   * as a refused renewal, DIR/crl.pem is never written, and one found there is another CA's.
   */
  readonly publishesCrl?: boolean;
  /** Renewal keeps the key (no CSR is sent: step-ca's /1.0/renew); default: a new key every time. */
  readonly renewsSameKey?: boolean;
  /** The CN and SANs the enrollment CSR must state, read from the token (step-ca signs only a CSR with its token's names); default: CN = the agent's name, the CA decides. */
  enrollmentNames?(token: string): { commonName: string; sans: San[] };
  /** Where a token for NAME comes from, for the fixes the agent prints; default: certrpc ca token NAME on the CA host. */
  tokenHint?(name: string): string;
  /**
   * First contact, before any trust exists: the CA's root whose SHA-256 fingerprint is `fingerprint`
   * (upper-case hex with colons), fetched without verifying the CA and then checked against the pin.
   * Throws when the CA offers no such root. TOFU-free: nothing is trusted that the pin did not name.
   */
  pinnedRoot(fingerprint: string): Promise<string>;
  /** Enrollment with a one-time token; `trustPem` verifies the CA. */
  enroll(request: { token: string; csrPem: string; trustPem: string }): Promise<IssuedIdentity>;
  /** Renewal, authenticated by the current identity; for the CSR's key, or the current key when there is no CSR (renewsSameKey). */
  renew(request: { current: CurrentIdentity; csrPem?: string; trustPem: string }): Promise<IssuedIdentity>;
  /** The trust material now. */
  trustMaterial(request: { trustPem: string; current?: CurrentIdentity }): Promise<TrustMaterial>;
  /** Pushes of the trust material, now and on every change, until cancelled or failed (the agent reconnects). */
  watchTrustMaterial(
    request: { trustPem: string; current: CurrentIdentity },
    onMaterial: (m: TrustMaterial) => void,
    onEnd: (err?: Error) => void,
  ): BundleWatch;
  close(): void;
}
