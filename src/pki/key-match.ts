// Whether a private key and a certificate belong together, with node:crypto only: commands that
// just load an identity (certrpc call) need this without loading the PKI's WebCrypto/x509 stack.
import { createPrivateKey, createPublicKey } from 'node:crypto';

/** True when the private key is the one whose public half the certificate carries. */
export function keyMatchesCertificate(keyPem: string, certPem: string): boolean {
  const fromKey = createPublicKey(createPrivateKey(keyPem)).export({ format: 'der', type: 'spki' });
  const fromCert = createPublicKey(certPem).export({ format: 'der', type: 'spki' });
  return fromKey.equals(fromCert);
}
