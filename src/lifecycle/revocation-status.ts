// Is a certificate revoked? The one answer `cert list`, `cert verify`, `cert inspect` and `doctor`
// give, from the two places a PKI directory keeps it: DIR/crl.pem (what servers enforce; a CRL
// counts only with a valid signature of a CA of the directory or of the trust given) and
// DIR/revocations.json (the record CRLs are made from). Either one listing it is enough.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { RevocationReason } from '../pki/crl';
import { parseCertificateBundle } from '../pki/pem';
import { serialHex } from '../pki/verify';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { readRevocationRecords, RevocationRecord } from '../store/revocation-records';
import { KnownCa, PublishedCrl, readDirCrls } from './published-crls';

export interface KnownRevocation {
  serial: string;
  /** ISO 8601. */
  revokedAt: string;
  reason: RevocationReason;
  /** The file that says so. */
  source: string;
}

export interface RevocationCheck {
  revoked?: KnownRevocation;
  /** The files consulted that could have listed it (empty: nothing to check against). */
  checked: string[];
}

export class RevocationIndex {
  private constructor(
    private readonly pki: PkiDir,
    private readonly crls: PublishedCrl[],
    private readonly records: RevocationRecord[],
  ) {}

  /** Throws PkiError (file + fix) when crl.pem or revocations.json is damaged: a status built without them could say "valid" wrongly. */
  static async load(pki: PkiDir, cas: KnownCa[]): Promise<RevocationIndex> {
    const records = readRevocationRecords(pki).revoked;
    return new RevocationIndex(pki, (await readDirCrls(pki, cas)) ?? [], records);
  }

  /** issuerSerial: the CA that signed it, when known; otherwise the serial alone decides (128-bit random serials). */
  check(serial: string, issuerSerial?: string): RevocationCheck {
    const crls = this.crls.filter((c) => issuerSerial === undefined || c.ca.serial === issuerSerial);
    const checked = [
      ...(crls.length > 0 ? [this.pki.crlFile] : []),
      ...(existsSync(this.pki.revocationsFile) ? [this.pki.revocationsFile] : []),
    ];
    for (const { crl } of crls) {
      const entry = crl.entries.find((e) => e.serial === serial);
      if (entry)
        return { revoked: { serial, revokedAt: entry.revokedAt.toISOString(), reason: entry.reason, source: this.pki.crlFile }, checked };
    }
    // A certificate whose CA has been retired still shows its revocation (matched by serial alone).
    const record = this.records.find(
      (r) => r.serial === serial && (r.caSerial === '*' || issuerSerial === undefined || r.caSerial === issuerSerial),
    );
    if (record)
      return { revoked: { serial, revokedAt: record.revokedAt, reason: record.reason, source: this.pki.revocationsFile }, checked };
    return { checked };
  }
}

/** The CA certificates of a directory (ca.crt, intermediate/, cas/NAME/ca.crt), without their keys: verify runs where no CA key is. */
export function dirCaCertificates(pki: PkiDir): X509Certificate[] {
  const intermediates = [
    pki.intermediateCertFile,
    ...pki.previousIntermediates().map((serial) => pki.previousIntermediateFiles(serial).certFile),
  ];
  const files = [pki.caCertFile, ...intermediates, ...pki.namedCas().map((name) => pki.namedCaCertFile(name))].filter((f) => existsSync(f));
  return files.flatMap((file) => parseCertificateBundle(readUserFile(file, 'CA certificate', 'dir'), file));
}

/**
 * The revocation status of one certificate in DIR, its issuer looked up among `trusted`, the
 * intermediates it came with and the directory's CAs; then of each intermediate on its path (an
 * intermediate on its root's CRL takes every certificate it signed with it).
 */
export async function revocationOf(
  cert: X509Certificate,
  pki: PkiDir,
  trusted: X509Certificate[] = [],
  intermediates: X509Certificate[] = [],
): Promise<RevocationCheck> {
  const known: KnownCa[] = [];
  for (const ca of [...trusted, ...intermediates, ...dirCaCertificates(pki)]) {
    if (!known.some((k) => k.cert.raw.equals(ca.raw))) known.push({ serial: serialHex(ca), cert: ca });
  }
  const index = await RevocationIndex.load(pki, known);
  const issuerOf = (c: X509Certificate) =>
    known.find((k) => !k.cert.raw.equals(c.raw) && c.checkIssued(k.cert) && c.verify(k.cert.publicKey));
  let current = cert;
  let result: RevocationCheck | undefined;
  for (let depth = 0; depth < 8; depth++) {
    const issuer = issuerOf(current);
    const check = index.check(serialHex(current), issuer?.serial);
    result ??= check;
    if (check.revoked) return { ...check, checked: result.checked };
    if (!issuer || issuer.cert.checkIssued(issuer.cert)) break; // a root is never on a CRL
    current = issuer.cert;
  }
  return result!;
}

/** "revoked at 2026-01-02T03:04:05.000Z (keyCompromise), according to DIR/crl.pem" */
export function describeRevocation(r: KnownRevocation): string {
  return `revoked at ${r.revokedAt} (${r.reason}), according to ${r.source}`;
}
