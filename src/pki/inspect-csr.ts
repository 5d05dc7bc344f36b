// A certificate signing request as `cert inspect` shows it: what it asks for, its key, whether its
// signature holds, and whether `cert sign` would sign it (and if not, why). A request is hostile
// input: it is described, never trusted, and its names are printed quoted where ambiguous.
import { createHash, createPublicKey } from 'node:crypto';
import { x509 } from './crypto';
import { readCsr, requestedFields } from './csr';
import { PkiError } from './errors';
import { formatSan } from './subject-alt-names';

export interface CsrInfo {
  kind: 'csr';
  /** Every attribute, escaped (RFC 4514), in the request's order. */
  subject: string;
  /** The single CN, or '' (none, or several: signing then needs a commonName given). */
  commonName: string;
  publicKey: string;
  /** SHA-256 of the public key (SubjectPublicKeyInfo): the same key in a certificate signed from it. */
  publicKeySha256: string;
  signatureAlgorithm: string;
  signatureVerifies: boolean;
  /** The names it asks for, exactly, as "TYPE:value" (other types as Node-style text). */
  requestedSans: string[];
  /** Subject attributes other than CN and extensions other than SANs: never copied by cert sign. */
  otherSubjectAttributes: string[];
  otherExtensions: string[];
  /** What signing (signCsr, `cert sign`) would say: it signs (the names then come from the signer), or refuses, and why. */
  signable: { ok: true } | { ok: false; reason: string };
}

export async function describeCsr(pem: string): Promise<CsrInfo> {
  const csr = new x509.Pkcs10CertificateRequest(pem);
  const fields = requestedFields(csr);
  const spki = Buffer.from(csr.publicKey.rawData);
  const sig = csr.signatureAlgorithm as { name: string; hash?: { name: string } };
  let signable: CsrInfo['signable'] = { ok: true };
  try {
    await readCsr(pem);
  } catch (err) {
    if (!(err instanceof PkiError)) throw err;
    signable = { ok: false, reason: err.message };
  }
  return {
    kind: 'csr',
    subject: fields.subject,
    commonName: fields.commonNames.length === 1 ? fields.commonNames[0] : '',
    publicKey: keyDescription(spki),
    publicKeySha256: createHash('sha256')
      .update(spki)
      .digest('hex')
      .replace(/(..)(?!$)/g, '$1:')
      .toUpperCase(),
    signatureAlgorithm: `${sig.name}${sig.hash ? ` with ${sig.hash.name}` : ''}`,
    signatureVerifies: await csr.verify().catch(() => false),
    requestedSans: [...fields.requestedSans.map(formatSan), ...fields.unsupportedSans],
    otherSubjectAttributes: fields.otherSubjectAttributes,
    otherExtensions: fields.otherExtensions,
    signable,
  };
}

function keyDescription(spki: Buffer): string {
  try {
    const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
    const d = key.asymmetricKeyDetails ?? {};
    if (key.asymmetricKeyType === 'ec')
      return `ECDSA ${({ prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' } as Record<string, string>)[d.namedCurve ?? ''] ?? d.namedCurve}`;
    if (key.asymmetricKeyType === 'rsa') return `RSA ${d.modulusLength} bit`;
    return key.asymmetricKeyType ?? 'unknown';
  } catch {
    return 'unreadable';
  }
}
