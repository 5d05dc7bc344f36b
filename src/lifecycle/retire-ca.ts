// `certrpc ca retire`: the last step of a rotation. The previous CA leaves the trust bundle once no
// usable certificate in the directory depends on it; its certificate and key move to DIR/retired/.
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { PkiError } from '../pki/errors';
import { normalizeSerial } from '../pki/serial';
import { writeFileAtomic } from '../store/atomic-write';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { joinPem } from '../store/trust-bundle';
import { DirCa, loadCaSet } from './ca-set';
import { CertRow, listCertificates, moveToNewCa, rowLabel } from './cert-status';
import { prepareCrls, recordsToPublish, signersOf, writeCrls } from './publish-crl';

export interface RetireResult {
  retired: { serial: string; subject: string; certFile: string; keyFile: string }[];
  remaining: string[];
  crlRepublished: boolean;
  /** From recordsToPublish: records restored from crl.pem, an unreadable crl.pem. */
  warnings: string[];
}

/** The CA to retire still signs certificates in use; `dependents` are they, for the CLI to word the moves with its flags. */
export class CaInUseError extends PkiError {
  constructor(
    message: string,
    file: string,
    readonly dependents: readonly CertRow[],
  ) {
    super(message, {
      file,
      code: 'CA_IN_USE',
      fix: `move them to the new CA first: ${dependents.map(moveToNewCa).join('; ')}; then run certrpc ca retire again`,
    });
  }
}

export async function retireCa(pki: PkiDir, options: { serial?: string } = {}): Promise<RetireResult> {
  const set = loadCaSet(pki);
  const candidates = [...set.bundle, ...set.intermediates];
  const previous = candidates.filter((c) => c.role === 'previous' || c.role === 'previous-intermediate');
  const targets = options.serial ? [pick(candidates, normalizeSerial(options.serial), pki)] : previous;
  if (targets.length === 0) {
    throw new PkiError(`nothing to retire: no previous CA is kept (the CA issuing now is "${set.issuing.subject}")`, {
      file: pki.caCertFile,
      fix: 'start a rotation first with: certrpc ca rotate',
    });
  }
  const retiredSerials = new Set(targets.map((t) => t.serial));
  // Revoked and expired certificates can no longer be used, so they do not hold a CA back.
  const dependents = (await listCertificates(pki)).filter(
    (row) => row.caSerial && retiredSerials.has(row.caSerial) && row.status !== 'revoked' && row.status !== 'expired',
  );
  if (dependents.length > 0) {
    throw new CaInUseError(
      `CA "${targets.map((t) => t.subject).join('", "')}" still signs certificates in use: ${dependents.map((d) => `${rowLabel(d)} (${d.purpose}, serial ${d.serial})`).join(', ')}; nothing was changed`,
      pki.caCertFile,
      dependents,
    );
  }
  const remaining = set.bundle.filter((c) => !retiredSerials.has(c.serial));
  const remainingIntermediates = set.intermediates.filter((c) => !retiredSerials.has(c.serial));
  // Read against every CA, the retiring ones included: their revocations stay on record (cert list).
  const { records, warnings, published } = await recordsToPublish(pki, set.all);
  const crls =
    existsSync(pki.crlFile) || records.revoked.length > 0
      ? await prepareCrls(records, await signersOf([...remaining, ...remainingIntermediates, ...set.named]), { published })
      : undefined;
  // Trust first: from this write on, servers stop accepting certificates of the retired CA.
  if (remaining.length !== set.bundle.length) writeFileAtomic(pki.caCertFile, joinPem(remaining.map((c) => c.pem)), { overwrite: true });
  if (crls) writeCrls(pki, records, crls);
  const retired = targets.map((ca) => archive(pki, ca));
  return { retired, remaining: remaining.map((c) => c.subject), crlRepublished: Boolean(crls), warnings };
}

function pick(bundle: DirCa[], serial: string, pki: PkiDir): DirCa {
  const ca = bundle.find((c) => c.serial === serial);
  if (!ca) {
    throw new PkiError(`no CA with serial ${serial} in ca.crt or DIR/intermediate/`, {
      file: pki.caCertFile,
      fix: `choose one of: ${bundle.map((c) => `${c.serial} ("${c.subject}")`).join(', ')}`,
    });
  }
  if (ca.role === 'signing' || ca.role === 'intermediate') {
    throw new PkiError(`"${ca.subject}" is the CA that signs now; retiring it would leave nothing to issue certificates`, {
      file: pki.caCertFile,
      fix: 'rotate first (certrpc ca rotate), move certificates to the new CA, then retire this one',
    });
  }
  return ca;
}

/** Kept, not deleted: signatures it made stay checkable, and an operator may shred the key on their own terms. */
function archive(pki: PkiDir, ca: DirCa): RetireResult['retired'][number] {
  const files = pki.retiredCaFiles(ca.serial);
  mkdirSync(dirname(files.certFile), { recursive: true, mode: 0o700 });
  writeFileAtomic(files.certFile, ca.pem, { overwrite: true });
  if (existsSync(ca.keyFile)) {
    writeFileAtomic(files.keyFile, readUserFile(ca.keyFile, 'CA private key'), { mode: 0o600, overwrite: true });
    unlinkSync(ca.keyFile);
  }
  // A previous intermediate's own certificate file goes too (a root's lives in ca.crt, rewritten above).
  if (ca.role === 'previous-intermediate') unlinkSync(ca.certFile);
  return { serial: ca.serial, subject: ca.subject, ...files };
}
