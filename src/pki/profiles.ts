// What a leaf certificate is for, and THE table of extended key usages certrpc writes (issuing),
// reads (inspect, renew) and checks (verify, serve's preflight, the client's probe). node:crypto
// only at load: the client's probe and the server's preflight use the table without the x509 stack.
import type * as Crypto from './crypto';

/** What a leaf certificate is for; it decides its extended key usage. */
export type Profile = 'server' | 'client';

/** Extended key usages by OID (RFC 5280 4.2.1.12), as `cert inspect` and messages name them. */
export const EKU_NAMES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'OCSPSigning',
  '2.5.29.37.0': 'anyExtendedKeyUsage',
};

/** The one usage each profile is issued with and checked for. */
export const PROFILE_EKU: Readonly<Record<Profile, string>> = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' };

/** "serverAuth" for its OID; an OID not in the table as it is. */
export function ekuName(oid: string): string {
  return EKU_NAMES[oid] ?? oid;
}

/**
 * Whether a certificate's extended key usage (Node's X509Certificate.keyUsage / a peer's EKU list:
 * undefined when it has none, which allows any use) lets it serve as `profile` in TLS, as OpenSSL
 * (so Node, and every certrpc peer) decides: anyExtendedKeyUsage alone does not.
 */
export function ekuAllows(eku: readonly string[] | undefined, profile: Profile): boolean {
  return eku === undefined || eku.includes(PROFILE_EKU[profile]);
}

/** The profile a certificate states: exactly one of serverAuth and clientAuth; undefined otherwise. */
export function profileOfEku(eku: readonly string[] | undefined): Profile | undefined {
  const server = eku?.includes(PROFILE_EKU.server) ?? false;
  const client = eku?.includes(PROFILE_EKU.client) ?? false;
  return server === client ? undefined : server ? 'server' : 'client';
}

/**
 * The extensions every leaf gets: not a CA, signing usage, EKU by profile, SKI and AKI.
 * `serverAlsoClient`: a server certificate that also authenticates as a client (clientAuth too), as
 * SPIFFE X509-SVIDs and step-ca leaves do: an agent-managed server renews itself over mutual TLS.
 */
export async function leafExtensions(
  profile: Profile,
  subjectKey: CryptoKey,
  caCert: Crypto.x509.X509Certificate,
  rsa: boolean,
  serverAlsoClient = false,
): Promise<Crypto.x509.Extension[]> {
  const { x509 } = await import('./crypto');
  // RSA key exchange (TLS 1.2 non-ECDHE) needs keyEncipherment; ECDSA keys must not carry it.
  const usage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const ekus = profile === 'server' ? [PROFILE_EKU.server, ...(serverAlsoClient ? [PROFILE_EKU.client] : [])] : [PROFILE_EKU.client];
  const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension(ekus, false),
    await x509.SubjectKeyIdentifierExtension.create(subjectKey),
    caSki ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId) : await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
}
