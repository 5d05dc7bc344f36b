// DIR/crl.pem holds one CRL per CA the directory holds. Node turns on OpenSSL's CRL checking for
// the whole chain as soon as a CRL is loaded, and then refuses every certificate whose CA has no
// CRL (UNABLE_TO_GET_CRL): so every CA gets one, even an empty one.
import { SigningCa } from '../pki/ca';
import { createCrl } from '../pki/crl';
import { PkiError } from '../pki/errors';
import { writeFileAtomic } from '../store/atomic-write';
import { PkiDir } from '../store/pki-dir';
import { readRevocationRecords, RevocationRecords, writeRevocationRecords } from '../store/revocation-records';
import { joinPem } from '../store/trust-bundle';
import { DirCa, loadCaSet, signerOf } from './ca-set';

export const DEFAULT_CRL_DAYS = 30;
const DAY_MS = 86_400_000;

export interface CrlSigner {
  serial: string;
  subject: string;
  signer: SigningCa;
}

export interface PreparedCrls {
  pem: string;
  crlNumber: number;
  nextUpdate: Date;
  perCa: { serial: string; subject: string; revoked: number }[];
}

export async function signersOf(cas: DirCa[]): Promise<CrlSigner[]> {
  const signers: CrlSigner[] = [];
  for (const ca of cas) signers.push({ serial: ca.serial, subject: ca.subject, signer: await signerOf(ca) });
  return signers;
}

/** Signs every CRL in memory first, so a missing CA key fails before anything is written. */
export async function prepareCrls(records: RevocationRecords, cas: CrlSigner[], options: { days?: number; now?: Date } = {}): Promise<PreparedCrls> {
  const days = options.days ?? DEFAULT_CRL_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new PkiError(`invalid CRL validity "${days}" days`, { flag: '--crl-days', fix: 'give a whole number of days between 1 and 3650' });
  }
  const now = options.now ?? new Date();
  const nextUpdate = new Date(now.getTime() + days * DAY_MS);
  const crlNumber = records.crlNumber + 1;
  const pems: string[] = [];
  const perCa: PreparedCrls['perCa'] = [];
  for (const ca of cas) {
    const entries = records.revoked
      .filter((r) => r.caSerial === ca.serial || r.caSerial === '*')
      .map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt), reason: r.reason }));
    pems.push(await createCrl(ca.signer, entries, { crlNumber, thisUpdate: now, nextUpdate }));
    perCa.push({ serial: ca.serial, subject: ca.subject, revoked: entries.length });
  }
  return { pem: joinPem(pems), crlNumber, nextUpdate, perCa };
}

/** The records first (with the CRL number now used), then the CRLs: a number is never published twice. */
export function writeCrls(pki: PkiDir, records: RevocationRecords, prepared: PreparedCrls): void {
  writeRevocationRecords(pki, { ...records, crlNumber: prepared.crlNumber });
  writeFileAtomic(pki.crlFile, prepared.pem, { overwrite: true });
}

/** `certrpc ca crl`: re-signs the CRLs of every CA (fresh thisUpdate/nextUpdate, next CRL number). */
export async function publishCrls(pki: PkiDir, options: { days?: number; now?: Date } = {}): Promise<PreparedCrls> {
  const set = loadCaSet(pki);
  const records = readRevocationRecords(pki);
  const prepared = await prepareCrls(records, await signersOf(set.all), options);
  writeCrls(pki, records, prepared);
  return prepared;
}
