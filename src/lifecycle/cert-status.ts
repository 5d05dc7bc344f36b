// The state of every identity in a PKI directory, as `cert list` shows it and `ca retire` checks it.
import { X509Certificate } from 'node:crypto';
import { describeCertificate } from '../pki/inspect';
import { verifyCertificate } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { CaSet, issuerOf, loadCaSet } from './ca-set';
import { RevocationIndex } from './revocation-status';

export const DEFAULT_EXPIRING_DAYS = 30;

/** Worst first: revoked and expired certificates cannot be used at all; expiring ones soon cannot. */
export type CertStatus = 'revoked' | 'expired' | 'not-yet-valid' | 'untrusted' | 'expiring' | 'valid';

export interface CertRow {
  name: string;
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
  return pki.names().map((name) => {
    const file = pki.certFile(name);
    const pem = readUserFile(file, 'certificate');
    const cert = new X509Certificate(pem);
    const chain = verifyCertificate(cert, cas.map((c) => c.cert), { now });
    const info = describeCertificate(pem, chain, now);
    const ca = issuerOf(cert, cas);
    // Revoked too when its intermediate is (on the root's CRL): no peer accepts the chain.
    const viaIntermediate = ca && (ca.role === 'intermediate' || ca.role === 'previous-intermediate') ? revocations.check(ca.serial, issuerOf(ca.cert, cas)?.serial).revoked : undefined;
    const revocation = revocations.check(info.serial, ca?.serial).revoked ?? viaIntermediate;
    const row: CertRow = {
      name,
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
      return { ...row, status: 'revoked', detail: `${what} ${revocation.revokedAt} (${revocation.reason})`, revokedAt: revocation.revokedAt, revocationReason: revocation.reason };
    }
    if (!chain.ok) {
      const status: CertStatus = chain.code === 'CERT_HAS_EXPIRED' ? 'expired' : chain.code === 'CERT_NOT_YET_VALID' ? 'not-yet-valid' : 'untrusted';
      return { ...row, status, detail: chain.reason };
    }
    if (info.daysLeft < (options.expiringDays ?? DEFAULT_EXPIRING_DAYS)) return { ...row, status: 'expiring', detail: `${info.daysLeft} days left` };
    return row;
  });
}
