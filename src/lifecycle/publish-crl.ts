// DIR/crl.pem holds one CRL per CA the directory holds. Node turns on OpenSSL's CRL checking for
// the whole chain as soon as a CRL is loaded, and then refuses every certificate whose CA has no
// CRL (UNABLE_TO_GET_CRL): so every CA gets one, even an empty one.
// A published CRL never goes backwards: the records it is made from are merged with what crl.pem
// already lists, and its number continues from the higher of the two (recordsToPublish).
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { SigningCa } from '../pki/ca';
import { createCrl } from '../pki/crl';
import { PkiError } from '../pki/errors';
import { serialHex } from '../pki/verify';
import { writeFileAtomic } from '../store/atomic-write';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { readRevocationRecords, RevocationRecord, RevocationRecords, writeRevocationRecords } from '../store/revocation-records';
import { joinPem } from '../store/trust-bundle';
import { DirCa, loadCaSet, signerOf } from './ca-set';
import { KnownCa, PublishedCrl, readDirCrls } from './published-crls';
import { dnLine } from '../pki/distinguished-name';

export const DEFAULT_CRL_DAYS = 30;
const DAY_MS = 86_400_000;

export interface CrlSigner {
  serial: string;
  subject: string;
  /** Absent for a root whose key is kept offline (an intermediate issues): its published CRL is carried over. */
  signer?: SigningCa;
}

export interface PreparedCrls {
  pem: string;
  crlNumber: number;
  nextUpdate: Date;
  perCa: { serial: string; subject: string; revoked: number }[];
}

export async function signersOf(cas: DirCa[]): Promise<CrlSigner[]> {
  const signers: CrlSigner[] = [];
  for (const ca of cas) {
    // loadCaSet lets the signing root's key be absent only when an intermediate issues.
    const offline = ca.role === 'signing' && !existsSync(ca.keyFile);
    signers.push({ serial: ca.serial, subject: ca.subject, ...(offline ? {} : { signer: await signerOf(ca) }) });
  }
  return signers;
}

/**
 * The CRL of a CA whose key is offline, as crl.pem has it: it must exist and list every revocation
 * on record by that CA, or the change needs the key (a revoked intermediate is on the root's CRL).
 */
function carriedCrl(ca: CrlSigner, records: RevocationRecords, published: PublishedCrl[]): { pem: string; revoked: number } {
  const crl = published.find((p) => p.ca.serial === ca.serial)?.crl;
  const fix = 'bring the root key back to DIR/ca.key for this command (certrpc signs the root CRL with it), then take it offline again';
  if (!crl) throw new PkiError(`the key of "${ca.subject}" is offline and crl.pem has no CRL of it to keep`, { fix });
  const missing = records.revoked.filter(
    (r) => (r.caSerial === ca.serial || r.caSerial === '*') && !crl.entries.some((e) => e.serial === r.serial),
  );
  if (missing.length > 0) {
    throw new PkiError(
      `revoking ${missing.map((r) => `serial ${r.serial}`).join(', ')} needs a new CRL of "${ca.subject}", whose key is offline; nothing was written`,
      { fix },
    );
  }
  return { pem: crl.pem, revoked: crl.entries.length };
}

/** Signs every CRL in memory first, so a missing CA key fails before anything is written. */
export async function prepareCrls(
  records: RevocationRecords,
  cas: CrlSigner[],
  options: { days?: number; now?: Date; published?: PublishedCrl[] } = {},
): Promise<PreparedCrls> {
  const days = options.days ?? DEFAULT_CRL_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new PkiError(`invalid CRL validity "${days}" days`, { option: 'crlDays', fix: 'give a whole number of days between 1 and 3650' });
  }
  const now = options.now ?? new Date();
  const nextUpdate = new Date(now.getTime() + days * DAY_MS);
  const crlNumber = records.crlNumber + 1;
  const pems: string[] = [];
  const perCa: PreparedCrls['perCa'] = [];
  for (const ca of cas) {
    if (!ca.signer) {
      const carried = carriedCrl(ca, records, options.published ?? []);
      pems.push(carried.pem);
      perCa.push({ serial: ca.serial, subject: ca.subject, revoked: carried.revoked });
      continue;
    }
    const entries = records.revoked
      .filter((r) => r.caSerial === ca.serial || r.caSerial === '*')
      .map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt), reason: r.reason }));
    pems.push(await createCrl(ca.signer, entries, { crlNumber, thisUpdate: now, nextUpdate }));
    perCa.push({ serial: ca.serial, subject: ca.subject, revoked: entries.length });
  }
  return { pem: joinPem(pems), crlNumber, nextUpdate, perCa };
}

export interface RecordsToPublish {
  records: RevocationRecords;
  /** What crl.pem lists now (signatures checked): the CRLs of offline CAs are carried from it. */
  published: PublishedCrl[];
  /** Revocations crl.pem listed that revocations.json had lost, now back in the record. */
  restored: RevocationRecord[];
  /** What the operator should know (printed by the CLI): lost records, an unreadable crl.pem. */
  warnings: string[];
}

/**
 * DIR/revocations.json merged with what DIR/crl.pem lists (CRLs signed by one of `cas`): a lost or
 * rolled-back record must not make the next CRL drop entries or reuse a lower number, which would
 * let revoked certificates back in wherever the new CRL is taken.
 */
export async function recordsToPublish(pki: PkiDir, cas: KnownCa[]): Promise<RecordsToPublish> {
  const records = readRevocationRecords(pki);
  const warnings: string[] = [];
  let published: PublishedCrl[] = [];
  try {
    published = (await readDirCrls(pki, cas)) ?? [];
  } catch (err) {
    if (!(err instanceof PkiError)) throw err;
    // Republishing is the fix for a damaged crl.pem, so it must still work: say what could not be kept.
    warnings.push(
      `${pki.crlFile} cannot be read (${err.message}): revocations it listed but ${pki.revocationsFile} lacks cannot be carried over`,
    );
  }
  const restored: RevocationRecord[] = [];
  for (const { crl, ca } of published) {
    for (const entry of crl.entries) {
      const covered = [...records.revoked, ...restored].some(
        (r) => r.serial === entry.serial && (r.caSerial === ca.serial || r.caSerial === '*'),
      );
      if (!covered)
        restored.push({
          serial: entry.serial,
          caSerial: ca.serial,
          ...certificateNamed(pki, entry.serial),
          reason: entry.reason,
          revokedAt: entry.revokedAt.toISOString(),
        });
    }
  }
  if (restored.length > 0) {
    warnings.push(
      `${pki.revocationsFile} lacked ${restored.length} revocation(s) that ${pki.crlFile} lists (${restored.map((r) => `serial ${r.serial}${r.name ? ` "${r.name}"` : ''}`).join(', ')}): restored them from the signed CRL, so the new CRLs still list them`,
    );
  }
  const publishedNumber = Math.max(0, ...published.map((p) => p.crl.crlNumber ?? 0));
  if (publishedNumber > records.crlNumber) {
    warnings.push(
      `${pki.crlFile} has CRL number ${publishedNumber}, above the ${records.crlNumber} recorded in ${pki.revocationsFile}: numbering continues from ${publishedNumber}`,
    );
  }
  return {
    records: { ...records, crlNumber: Math.max(records.crlNumber, publishedNumber), revoked: [...records.revoked, ...restored] },
    published,
    restored,
    warnings,
  };
}

/** The NAME and subject a serial has in DIR (current or backed-up certificates), for a restored record. */
function certificateNamed(pki: PkiDir, serial: string): { name?: string; subject?: string } {
  const files = [
    ...pki.names().map((name) => ({ name, file: pki.certFile(name) })),
    ...pki.backups().map((b) => ({ name: b.name, file: b.certFile })),
  ];
  for (const { name, file } of files) {
    try {
      const cert = new X509Certificate(readUserFile(file, 'certificate'));
      if (serialHex(cert) === serial) return { name, subject: dnLine(cert.subject) };
    } catch {
      // an unreadable file names nobody; the record keeps the serial alone
    }
  }
  return {};
}

/** The records first (with the CRL number now used), then the CRLs: a number is never published twice. */
export function writeCrls(pki: PkiDir, records: RevocationRecords, prepared: PreparedCrls): void {
  writeRevocationRecords(pki, { ...records, crlNumber: prepared.crlNumber });
  writeFileAtomic(pki.crlFile, prepared.pem, { overwrite: true });
}

/** `certrpc ca crl`: re-signs the CRLs of every CA (fresh thisUpdate/nextUpdate, next CRL number). */
export async function publishCrls(
  pki: PkiDir,
  options: { days?: number; now?: Date } = {},
): Promise<PreparedCrls & { warnings: string[] }> {
  const set = loadCaSet(pki);
  const { records, warnings, published } = await recordsToPublish(pki, set.all);
  const prepared = await prepareCrls(records, await signersOf(set.all), { ...options, published });
  writeCrls(pki, records, prepared);
  return { ...prepared, warnings };
}
