// The state of every identity in a PKI directory, and of every certificate `cert sign` made from a
// CSR (DIR/signed/), as `cert list` shows it and `ca retire` checks it.
import { X509Certificate } from 'node:crypto';
import { describeCertificate } from '../pki/inspect';
import { cnText } from '../pki/distinguished-name';
import { verifyCertificate } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { CaSet, issuerOf, loadCaSet } from './ca-set';
import { RevocationIndex } from './revocation-status';

export const DEFAULT_EXPIRING_DAYS = 30;
/** The NAME column of a certificate signed from a CSR: it has no NAME.crt/NAME.key here. */
export const SIGNED_NAME = '(signed)';

/** Worst first: revoked and expired certificates cannot be used at all; expiring ones soon cannot. */
export type CertStatus = 'revoked' | 'expired' | 'not-yet-valid' | 'untrusted' | 'expiring' | 'valid';

export interface CertRow {
  /** NAME of DIR/NAME.crt; "(signed)" for a certificate `cert sign` made from a CSR (its key is with the requester). */
  name: string;
  /** "issued": DIR/NAME.crt; "signed": DIR/signed/SERIAL.crt, recorded by `cert sign`. */
  source: 'issued' | 'signed';
  file: string;
  purpose: string;
  commonName: string;
  serial: string;
  notAfter: string;
  daysLeft: number;
  status: CertStatus;
  /** Why, when the status is not valid. */
  detail?: string;
  issuer: string;
  /** Serial of the directory CA that signed it, if one did. */
  caSerial?: string;
  sans: string[];
  revokedAt?: string;
  revocationReason?: string;
}

export interface ListOptions {
  expiringDays?: number;
  now?: Date;
}

/** Revoked: DIR/crl.pem (signed by a CA of DIR) or DIR/revocations.json lists it. Throws PkiError when either is damaged. */
export async function listCertificates(pki: PkiDir, options: ListOptions = {}): Promise<CertRow[]> {
  const now = options.now ?? new Date();
  const set: CaSet | undefined = pki.hasCa() ? loadCaSet(pki) : undefined;
  const cas = set?.all ?? [];
  const revocations = await RevocationIndex.load(pki, cas);
  const issued = pki.names().map((name) => ({ name, file: pki.certFile(name), source: 'issued' as const }));
  const signed = pki.signedCertificates().map(({ certFile }) => ({ name: SIGNED_NAME, file: certFile, source: 'signed' as const }));
  const rows = [...issued, ...signed].map(({ name, file, source }): CertRow => {
    const pem = readUserFile(file, 'certificate');
    const cert = new X509Certificate(pem);
    const chain = verifyCertificate(
      cert,
      cas.map((c) => c.cert),
      { now },
    );
    const info = describeCertificate(pem, chain, now);
    const ca = issuerOf(cert, cas);
    // Revoked too when its intermediate is (on the root's CRL): no peer accepts the chain.
    const viaIntermediate =
      ca && (ca.role === 'intermediate' || ca.role === 'previous-intermediate')
        ? revocations.check(ca.serial, issuerOf(ca.cert, cas)?.serial).revoked
        : undefined;
    const revocation = revocations.check(info.serial, ca?.serial).revoked ?? viaIntermediate;
    const row: CertRow = {
      name,
      source,
      file,
      purpose: info.extendedKeyUsage.join(',') || '-',
      commonName: info.commonName,
      serial: info.serial,
      notAfter: info.notAfter,
      daysLeft: info.daysLeft,
      status: 'valid',
      issuer: info.issuer,
      ...(ca ? { caSerial: ca.serial } : {}),
      sans: info.sans,
    };
    if (revocation) {
      const what = revocation.serial === info.serial ? 'revoked' : `its CA "${ca?.subject}" (serial ${revocation.serial}) was revoked`;
      return {
        ...row,
        status: 'revoked',
        detail: `${what} ${revocation.revokedAt} (${revocation.reason})`,
        revokedAt: revocation.revokedAt,
        revocationReason: revocation.reason,
      };
    }
    if (!chain.ok) {
      const status: CertStatus =
        chain.code === 'CERT_HAS_EXPIRED' ? 'expired' : chain.code === 'CERT_NOT_YET_VALID' ? 'not-yet-valid' : 'untrusted';
      return { ...row, status, detail: chain.reason };
    }
    if (info.daysLeft < (options.expiringDays ?? DEFAULT_EXPIRING_DAYS))
      return { ...row, status: 'expiring', detail: `${info.daysLeft} days left` };
    return row;
  });
  // A signed certificate brought back as DIR/NAME.crt (requester and CA on one host) is listed once, by its name.
  const issuedSerials = new Set(rows.filter((r) => r.source === 'issued').map((r) => r.serial));
  return rows.filter((r) => r.source === 'issued' || !issuedSerials.has(r.serial));
}

/** How to move a certificate to the CA that signs now: renew an identity; sign a CSR's certificate again, then revoke the old one (the CLI words it with its flags). */
export function moveToNewCa(row: CertRow): string {
  if (row.source === 'issued') return `certrpc cert renew ${row.name}`;
  return `sign the CSR of ${cnText(row.commonName)} again (certrpc cert sign) and deliver it, then revoke serial ${row.serial} as superseded`;
}

/** The name of a row as messages show it: NAME, or CN and serial for a certificate signed from a CSR. */
export function rowLabel(row: CertRow): string {
  return row.source === 'issued' ? row.name : `${cnText(row.commonName)} (signed from a CSR, ${row.file})`;
}
