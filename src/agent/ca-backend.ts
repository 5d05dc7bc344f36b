// What the agent needs from a CA, whatever serves it. certrpc's own CA service is one backend
// (certrpc-backend.ts); another (step-ca's /sign and /renew, a SPIRE server...) implements the same
// five operations and the agent's scheduling, files, pinning and hooks stay as they are.

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
   * First contact, before any trust exists: the CA's root whose SHA-256 fingerprint is `fingerprint`
   * (upper-case hex with colons), fetched without verifying the CA and then checked against the pin.
   * Throws when the CA offers no such root. TOFU-free: nothing is trusted that the pin did not name.
   */
  pinnedRoot(fingerprint: string): Promise<string>;
  /** Enrollment with a one-time token; `trustPem` verifies the CA. */
  enroll(request: { token: string; csrPem: string; trustPem: string }): Promise<IssuedIdentity>;
  /** Renewal, authenticated by the current identity. */
  renew(request: { current: CurrentIdentity; csrPem: string; trustPem: string }): Promise<IssuedIdentity>;
  /** The trust material now. */
  trustMaterial(request: { trustPem: string; current?: CurrentIdentity }): Promise<TrustMaterial>;
  /** Pushes of the trust material, now and on every change, until cancelled or failed (the agent reconnects). */
  watchTrustMaterial(request: { trustPem: string; current: CurrentIdentity }, onMaterial: (m: TrustMaterial) => void, onEnd: (err?: Error) => void): BundleWatch;
  close(): void;
}
