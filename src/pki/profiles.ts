import { x509 } from './crypto';

/** What a leaf certificate is for; it decides its extended key usage. */
export type Profile = 'server' | 'client';

/**
 * The extensions every leaf gets: not a CA, signing usage, EKU by profile, SKI and AKI.
 * `serverAlsoClient`: a server certificate that also authenticates as a client (clientAuth too), as
 * SPIFFE X509-SVIDs and step-ca leaves do: an agent-managed server renews itself over mutual TLS.
 */
export async function leafExtensions(profile: Profile, subjectKey: CryptoKey, caCert: x509.X509Certificate, rsa: boolean, serverAlsoClient = false): Promise<x509.Extension[]> {
  // RSA key exchange (TLS 1.2 non-ECDHE) needs keyEncipherment; ECDSA keys must not carry it.
  const usage = x509.KeyUsageFlags.digitalSignature | (rsa ? x509.KeyUsageFlags.keyEncipherment : 0);
  const ekus = profile === 'server' ? [x509.ExtendedKeyUsage.serverAuth, ...(serverAlsoClient ? [x509.ExtendedKeyUsage.clientAuth] : [])] : [x509.ExtendedKeyUsage.clientAuth];
  const caSki = caCert.getExtension(x509.SubjectKeyIdentifierExtension);
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(usage, true),
    new x509.ExtendedKeyUsageExtension(ekus, false),
    await x509.SubjectKeyIdentifierExtension.create(subjectKey),
    caSki ? new x509.AuthorityKeyIdentifierExtension(caSki.keyId) : await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
}
