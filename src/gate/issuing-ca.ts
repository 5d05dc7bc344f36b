// The CA that signed a peer's certificate, as the TLS layer established it (tls/trusted-issuers.ts),
// kept beside the certificate object the connection answers with, so the identity built from that
// object (peer-identity.ts) carries it. Kept free of @peculiar/x509: peer-identity.ts is on the
// client's start-up path.

/** A CA as policies bind principals to it: `issuer:` (its subject) and `issuerFingerprint:`. */
export interface IssuingCa {
  /** Its subject exactly as `certrpc cert inspect` prints it ("CN=certrpc CA, O=Acme"). */
  subject: string;
  /** SHA-256 of its certificate: upper-case hex with colons, as `cert inspect`, Node and openssl print it. */
  fingerprint: string;
}

const byCertificate = new WeakMap<object, IssuingCa>();

/** Records the CA whose key verifiably signed this (pinned) peer certificate. */
export function recordIssuingCa(peerCertificate: object, ca: IssuingCa): void {
  // A frozen one is kept as it is (TrustedIssuers' are, and compute their subject on first read:
  // a copy would read it, for every connection).
  byCertificate.set(peerCertificate, Object.isFrozen(ca) ? ca : Object.freeze({ ...ca }));
}

/** The verified issuing CA of a peer certificate object, if the TLS layer recorded one. */
export function issuingCaOf(peerCertificate: object): IssuingCa | undefined {
  return byCertificate.get(peerCertificate);
}

/** "ab cd:EF..." or "abcdef..." -> "AB:CD:EF:..."; undefined unless it is 32 bytes of hex. */
export function normalizeFingerprint(text: string): string | undefined {
  const hex = text.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}
