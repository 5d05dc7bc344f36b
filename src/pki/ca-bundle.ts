// A CA bundle during a rotation holds the new CA and the old one. Which of them signs is decided
// by the key: the member whose public key is the private key's.
import { keyMatchesCertificate } from './crypto';
import { pemBlocks } from './pem';

/** The PEM of the bundle member that keyPem belongs to; the first member when none does (the caller's key check then says so). */
export function signingCertificateOf(bundlePem: string, keyPem: string): string {
  const blocks = pemBlocks(bundlePem);
  if (blocks.length <= 1) return bundlePem;
  for (const block of blocks) {
    try {
      if (keyMatchesCertificate(keyPem, block)) return block;
    } catch {
      break; // an unreadable key: let loadSigningCa report it with its file name
    }
  }
  return blocks[0];
}
