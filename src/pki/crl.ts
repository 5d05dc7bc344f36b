// Certificate revocation lists (RFC 5280 section 5), signed by a CA with @peculiar/x509's
// X509CrlGenerator. @peculiar/x509 has no class for the CRL number extension, so its value is
// encoded with the ASN.1 schema the library itself is built on (@peculiar/asn1-x509), not by hand.
import { AsnConvert } from '@peculiar/asn1-schema';
import { CRLNumber, id_ce_cRLNumber } from '@peculiar/asn1-x509';
import { SigningCa } from './ca';
import { signingAlgorithm, x509 } from './crypto';
import { PkiError } from './errors';
import { crlPemBlocks } from './pem';
import { normalizeSerial } from './serial';
import { REVOCATION_REASONS, RevocationReason } from './revocation-reasons';

export { REVOCATION_REASONS } from './revocation-reasons';
export type { RevocationReason } from './revocation-reasons';

export function parseRevocationReason(value: string, option = 'reason'): RevocationReason {
  const found = REVOCATION_REASONS.find((r) => r.toLowerCase() === value.toLowerCase());
  if (found) return found;
  throw new PkiError(`unknown revocation reason "${value}"`, { option, fix: `use one of: ${REVOCATION_REASONS.join(', ')}` });
}

export interface RevokedEntry {
  /** Lower-case hex, no leading zeros (normalizeSerial). */
  serial: string;
  revokedAt: Date;
  reason: RevocationReason;
}

export interface CrlOptions {
  /** Monotonically increasing for this CA (RFC 5280 5.2.3). */
  crlNumber: number;
  thisUpdate?: Date;
  nextUpdate: Date;
}

/** Hex as DER INTEGER content wants it: even length (the generator adds a 00 when the top bit is set). */
function serialForDer(serial: string): string {
  const clean = normalizeSerial(serial);
  return clean.length % 2 === 0 ? clean : `0${clean}`;
}

/** One CRL in PEM: v2, issuer = the CA's subject, CRL number + AKI, one entry per revoked serial with its reason. */
export async function createCrl(ca: SigningCa, entries: RevokedEntry[], options: CrlOptions): Promise<string> {
  const ski = ca.cert.getExtension(x509.SubjectKeyIdentifierExtension);
  const aki = ski ? new x509.AuthorityKeyIdentifierExtension(ski.keyId) : await x509.AuthorityKeyIdentifierExtension.create(ca.cert);
  const crlNumber = new x509.Extension(id_ce_cRLNumber, false, AsnConvert.serialize(new CRLNumber(options.crlNumber)));
  const crl = await x509.X509CrlGenerator.create({
    // The CA's subject exactly as encoded in its certificate: relying parties match CRLs to CAs by it.
    issuer: ca.cert.subjectName,
    thisUpdate: options.thisUpdate ?? new Date(),
    nextUpdate: options.nextUpdate,
    signingAlgorithm: signingAlgorithm(ca.keyType),
    signingKey: ca.key,
    extensions: [aki, crlNumber],
    entries: entries.map((e) => ({
      serialNumber: serialForDer(e.serial),
      revocationDate: e.revokedAt,
      // RFC 5280 5.3.1: "unspecified" should be expressed by leaving the reason code out.
      reason: e.reason === 'unspecified' ? undefined : x509.X509CrlReason[e.reason],
    })),
  });
  // "X509 CRL" is the label OpenSSL (and so Node's tls `crl` option) reads; the library writes "CRL".
  return `${x509.PemConverter.encode(crl.rawData, 'X509 CRL')}\n`;
}

/** What certrpc needs from a parsed CRL. */
export interface CrlInfo {
  issuer: string;
  crlNumber?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
  entries: RevokedEntry[];
  crl: x509.X509Crl;
  /** The PEM block as read, with the label OpenSSL reads. */
  pem: string;
}

/** Every CRL in a PEM file (certrpc publishes one per CA in the trust bundle). */
export function parseCrls(pem: string, file?: string): CrlInfo[] {
  const blocks = crlPemBlocks(pem);
  if (blocks.length === 0) {
    throw new PkiError('no PEM CRL found (expected -----BEGIN X509 CRL-----)', {
      file,
      fix: 'republish it with: certrpc ca crl',
    });
  }
  return blocks.map((block, i) => {
    try {
      const crl = new x509.X509Crl(block);
      const numberExt = crl.getExtension(id_ce_cRLNumber);
      return {
        issuer: crl.issuer,
        crlNumber: numberExt ? AsnConvert.parse(numberExt.value, CRLNumber).value : undefined,
        thisUpdate: crl.thisUpdate,
        nextUpdate: crl.nextUpdate,
        entries: crl.entries.map((e) => ({
          serial: normalizeSerial(e.serialNumber),
          revokedAt: e.revocationDate,
          reason:
            e.reason === undefined ? 'unspecified' : ((x509.X509CrlReason[e.reason] as RevocationReason | undefined) ?? 'unspecified'),
        })),
        crl,
        pem: `${x509.PemConverter.encode(crl.rawData, 'X509 CRL')}\n`,
      };
    } catch (err) {
      throw new PkiError(`CRL #${i + 1} is corrupt: ${(err as Error).message}`, { file, fix: 'republish it with: certrpc ca crl' });
    }
  });
}

/**
 * Pairs each CRL with the trusted CA that signed it. A CRL naming a trusted CA whose signature does
 * not verify is an error (damaged or forged); a CRL from a CA outside the bundle is returned in
 * `foreign` (harmless: e.g. the moment between publishing a rotated CA's CRL and its bundle).
 */
export async function matchCrlsToCas(
  crls: CrlInfo[],
  cas: x509.X509Certificate[],
  file?: string,
): Promise<{ matched: { crl: CrlInfo; ca: x509.X509Certificate }[]; foreign: CrlInfo[] }> {
  const matched: { crl: CrlInfo; ca: x509.X509Certificate }[] = [];
  const foreign: CrlInfo[] = [];
  for (const info of crls) {
    const sameName = cas.filter((ca) => ca.subject === info.issuer);
    if (sameName.length === 0) {
      foreign.push(info);
      continue;
    }
    let signer: x509.X509Certificate | undefined;
    for (const ca of sameName) {
      if (await info.crl.verify({ publicKey: ca })) {
        signer = ca;
        break;
      }
    }
    if (!signer) {
      throw new PkiError(`the CRL for "${info.issuer}" is not signed by that CA (damaged or forged)`, {
        file,
        fix: 'republish it with: certrpc ca crl',
      });
    }
    matched.push({ crl: info, ca: signer });
  }
  return { matched, foreign };
}
