// Revocation fails closed, across reloads and restarts. Once a CRL is in force for a CA, only a newer
// CRL of that CA replaces it: a missing, damaged, unsigned or older crl.pem is refused, so the reloader
// keeps the last good material and logs the error. And a process whose PKI directory records
// revocations (DIR/revocations.json) refuses to start without a CRL that lists them.
// The rules throw PkiError naming the file and the fix; tls-material-files.ts calls them.
import { X509Certificate } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CrlInfo } from '../pki/crl';
import { PkiError } from '../pki/errors';
import { serialHex } from '../pki/verify';
import type * as RevocationRecordsModule from '../store/revocation-records';
import type { RevocationRecord } from '../store/revocation-records';

/** What is known of a CRL in force, enough to tell whether a later one is newer. */
export interface CrlFacts {
  issuer: string;
  /** SHA-256 fingerprint of the trusted CA that signed it (CAs may share a name). */
  caFingerprint: string;
  crlNumber?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
  revoked: number;
}

/** A CRL of the file, paired with the trusted CA that signed it. */
export interface MatchedCrl {
  crl: CrlInfo;
  ca: X509Certificate;
}

export function republishFix(crlFile: string): string {
  return `republish it on the CA host (certrpc ca crl, or publishCrls()) and copy it to ${dirname(crlFile)} if this host does not share the CA's directory`;
}

/** ENOENT only: a file that exists but cannot be read is reported by the reader, not taken as "no CRL". */
export function isMissing(file: string): boolean {
  try {
    statSync(file);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

const describeRecord = (r: RevocationRecord) => `serial ${r.serial}${r.name ? ` ("${r.name}")` : ''}`;

/** Revocations on record by one of these CAs ("*": by any CA of the directory, so by each). */
function recordedRevocations(revocationsFile: string | undefined, cas: X509Certificate[]): RevocationRecord[] {
  // No records file, no records (as readRevocationRecordsFile says), without loading its schema (zod).
  if (!revocationsFile || !existsSync(revocationsFile)) return [];
  const serials = new Set(cas.map(serialHex));
  // The records' schema only when there are records to read: a server keeps what it loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readRevocationRecordsFile } = require('../store/revocation-records') as typeof RevocationRecordsModule;
  return readRevocationRecordsFile(revocationsFile).revoked.filter((r) => r.caSerial === '*' || serials.has(r.caSerial));
}

/** No CRL file: allowed only if no trusted CA had a CRL in force and no revocation of theirs is on record. */
export function checkMissingCrl(crlFile: string, cas: X509Certificate[], inForce: CrlFacts[] | undefined, revocationsFile?: string): void {
  const fingerprints = new Set(cas.map((c) => c.fingerprint256));
  const held = (inForce ?? []).filter((f) => fingerprints.has(f.caFingerprint));
  if (held.length > 0) {
    throw new PkiError(
      `missing: the CRL of ${held.map((f) => `"${f.issuer}" (CRL number ${f.crlNumber ?? 'none'})`).join(', ')} was in force and stays in force; without it, revoked certificates would be accepted again`,
      { file: crlFile, fix: republishFix(crlFile) },
    );
  }
  const recorded = recordedRevocations(revocationsFile, cas);
  if (recorded.length > 0) {
    throw new PkiError(
      `missing, but ${revocationsFile} records ${recorded.length} revocation${recorded.length === 1 ? '' : 's'} by the trusted CAs (${recorded.slice(0, 3).map(describeRecord).join(', ')}${recorded.length > 3 ? ', ...' : ''}): without a CRL those certificates would be accepted`,
      { file: crlFile, fix: republishFix(crlFile) },
    );
  }
}

/** Every revocation on record by a trusted CA is listed by that CA's CRL: a stale copy of crl.pem is refused. */
export function checkCrlsListRecords(crlFile: string, matched: MatchedCrl[], cas: X509Certificate[], revocationsFile?: string): void {
  for (const record of recordedRevocations(revocationsFile, cas)) {
    const crls = matched.filter((m) => record.caSerial === '*' || serialHex(m.ca) === record.caSerial);
    const lacking = crls.find((m) => !m.crl.entries.some((e) => e.serial === record.serial));
    if (lacking) {
      throw new PkiError(
        `the CRL of "${lacking.crl.issuer}" (CRL number ${lacking.crl.crlNumber ?? 'none'}) does not list ${describeRecord(record)}, revoked at ${record.revokedAt} according to ${revocationsFile}: this crl.pem is older than the record`,
        { file: crlFile, fix: republishFix(crlFile) },
      );
    }
  }
}

/** A CRL replaces the one in force for its CA only if it is newer: a higher number (or the same CRL) and a thisUpdate not earlier. */
export function checkCrlsNotOlder(crlFile: string, loaded: CrlFacts[], inForce: CrlFacts[] | undefined): void {
  for (const next of loaded) {
    const held = inForce?.find((f) => f.caFingerprint === next.caFingerprint);
    if (!held) continue;
    const numbered = next.crlNumber !== undefined && held.crlNumber !== undefined;
    const older = (numbered && next.crlNumber! < held.crlNumber!) || next.thisUpdate < held.thisUpdate;
    const conflicting = numbered && next.crlNumber === held.crlNumber && next.thisUpdate.getTime() !== held.thisUpdate.getTime();
    if (!older && !conflicting) continue;
    const facts = (f: CrlFacts) => `CRL number ${f.crlNumber ?? 'none'}, issued ${f.thisUpdate.toISOString()}`;
    throw new PkiError(
      older
        ? `the CRL of "${next.issuer}" in this file (${facts(next)}) is older than the one in force (${facts(held)}): an old copy could bring revoked certificates back, so the one in force stays`
        : `the CRL of "${next.issuer}" in this file (${facts(next)}) has the number of the one in force but another date (${facts(held)}): two different CRLs with one number; the one in force stays`,
      { file: crlFile, fix: `${republishFix(crlFile)}; it numbers the new CRL above the last one it published` },
    );
  }
}
