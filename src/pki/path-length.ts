// RFC 5280 6.1.4 (l, m) as OpenSSL 3 checks it (check_chain in x509_vfy.c): a CA's pathLen bounds
// the CAs between it and the leaf, not counting self-issued ones (a rollover certificate).
import type { X509Certificate as NodeCertificate } from 'node:crypto';
import { BasicConstraints, id_ce_basicConstraints } from '@peculiar/asn1-x509';
import { extension, isSelfIssued, parsedCertificate } from './certificate-fields';

export interface PathLengthProblem {
  /** The CA whose pathLen the path exceeds. */
  ca: NodeCertificate;
  limit: number;
  /** The CAs below it that count. */
  below: number;
}

/** `cas` runs from the leaf's issuer up to the anchor. */
export function pathLengthProblem(cas: readonly NodeCertificate[]): PathLengthProblem | undefined {
  let below = 0;
  for (let j = 0; j < cas.length; j++) {
    const cert = parsedCertificate(cas[j]);
    const limit = extension(cert, id_ce_basicConstraints, BasicConstraints)?.value.pathLenConstraint;
    if (limit !== undefined && below > limit) return { ca: cas[j], limit, below };
    if (!isSelfIssued(cert)) below++;
  }
  return undefined;
}
