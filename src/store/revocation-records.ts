// DIR/revocations.json: every revocation (which certificate, by which CA, when, why) and the last
// CRL number used. CRLs are derived from it, so crl.pem can always be re-made (certrpc ca crl).
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { REVOCATION_REASONS } from '../pki/revocation-reasons';
import { PkiError } from '../pki/errors';
import { writeFileAtomic } from './atomic-write';
import type { PkiDir } from './pki-dir';
import { readUserFile } from './read-file';

const recordSchema = z.object({
  /** Lower-case hex, no leading zeros. */
  serial: z.string().regex(/^[0-9a-f]+$/),
  /** Serial of the CA that issued it; "*" when the certificate was not in DIR, so every CA lists it. */
  caSerial: z.string().regex(/^([0-9a-f]+|\*)$/),
  /** The NAME it had in DIR, when it had one. */
  name: z.string().optional(),
  subject: z.string().optional(),
  reason: z.enum(REVOCATION_REASONS),
  revokedAt: z.iso.datetime(),
});

const fileSchema = z.object({
  version: z.literal(1),
  /** The last CRL number published (RFC 5280: increases with every CRL a CA issues). */
  crlNumber: z.number().int().nonnegative(),
  revoked: z.array(recordSchema),
});

export type RevocationRecord = z.infer<typeof recordSchema>;
export type RevocationRecords = z.infer<typeof fileSchema>;

export function readRevocationRecords(pki: PkiDir): RevocationRecords {
  return readRevocationRecordsFile(pki.revocationsFile);
}

/** The same, from a path (servers find it beside crl.pem); a missing file is an empty record. */
export function readRevocationRecordsFile(file: string): RevocationRecords {
  if (!existsSync(file)) return { version: 1, crlNumber: 0, revoked: [] };
  let json: unknown;
  try {
    json = JSON.parse(readUserFile(file, 'revocation records'));
  } catch (err) {
    if (err instanceof PkiError) throw err;
    throw new PkiError(`not valid JSON: ${(err as Error).message}`, { file, fix: 'restore it from a backup; nothing was changed' });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PkiError(`not a certrpc revocation record: ${issue.path.join('.') || '(top)'}: ${issue.message}`, {
      file,
      fix: 'restore it from a backup; nothing was changed',
    });
  }
  return parsed.data;
}

export function writeRevocationRecords(pki: PkiDir, records: RevocationRecords): void {
  writeFileAtomic(pki.revocationsFile, `${JSON.stringify(fileSchema.parse(records), null, 2)}\n`, { overwrite: true });
}
