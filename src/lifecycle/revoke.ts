// `certrpc cert revoke`: record the revocation, then publish CRLs that list it. Servers watching
// DIR/crl.pem refuse the certificate at the handshake and end its calls on open connections.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { parseRevocationReason, RevocationReason } from '../pki/crl';
import { PkiError } from '../pki/errors';
import { normalizeSerial } from '../pki/serial';
import { serialHex } from '../pki/verify';
import { checkName, PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { RevocationRecord } from '../store/revocation-records';
import { DirCa, issuerOf, loadCaSet } from './ca-set';
import { prepareCrls, recordsToPublish, signersOf, writeCrls } from './publish-crl';
import { dnLine } from '../pki/distinguished-name';

export type RevokeTarget = { name: string } | { serial: string };

export interface RevokeOptions {
  reason?: RevocationReason;
  crlDays?: number;
  now?: Date;
}

export interface RevokeResult {
  record: RevocationRecord;
  /** True when it was already revoked: nothing was written. */
  already: boolean;
  crlNumber?: number;
  /** CAs whose CRL lists it. */
  listedBy: string[];
  /** From recordsToPublish: records restored from crl.pem, an unreadable crl.pem. */
  warnings: string[];
}

interface Found {
  serial: string;
  ca?: DirCa;
  name?: string;
  subject?: string;
}

export async function revokeCertificate(pki: PkiDir, target: RevokeTarget, options: RevokeOptions = {}): Promise<RevokeResult> {
  // Checked before anything is read or written: a reason the CRL cannot carry must not be recorded.
  const reason = parseRevocationReason(options.reason ?? 'unspecified');
  const set = loadCaSet(pki);
  const found = 'name' in target ? findByName(pki, target.name, set.all) : findBySerial(pki, target.serial, set.all);
  const caSerial = found.ca?.serial ?? '*';
  const { records, warnings, published } = await recordsToPublish(pki, set.all);
  const existing = records.revoked.find((r) => r.serial === found.serial && (r.caSerial === caSerial || r.caSerial === '*'));
  const listedBy = found.ca ? [found.ca.subject] : set.all.map((c) => c.subject);
  if (existing) return { record: existing, already: true, listedBy, warnings };
  const record: RevocationRecord = {
    serial: found.serial,
    caSerial,
    ...(found.name ? { name: found.name } : {}),
    ...(found.subject ? { subject: found.subject } : {}),
    reason,
    revokedAt: (options.now ?? new Date()).toISOString(),
  };
  const next = { ...records, revoked: [...records.revoked, record] };
  const prepared = await prepareCrls(next, await signersOf(set.all), { days: options.crlDays, now: options.now, published });
  writeCrls(pki, next, prepared);
  return { record, already: false, crlNumber: prepared.crlNumber, listedBy, warnings };
}

function findByName(pki: PkiDir, name: string, cas: DirCa[]): Found {
  checkName(name);
  const file = pki.certFile(name);
  if (!existsSync(file)) {
    throw new PkiError(`no certificate named "${name}"; nothing was revoked`, {
      file,
      code: 'REVOKE_UNKNOWN',
      fix: 'check the name (PkiDir.names()), or revoke by serial: { serial }',
      params: { dir: pki.dir },
    });
  }
  const cert = new X509Certificate(readUserFile(file, 'certificate'));
  const ca = issuerOf(cert, cas);
  if (!ca) {
    throw new PkiError(
      `"${name}" was not issued by a CA of this directory (issuer "${dnLine(cert.issuer)}"), so a CRL from here cannot revoke it; nothing was revoked`,
      {
        file,
        fix: 'servers already refuse it unless they trust its issuer; to stop trusting that issuer, remove it from the server trust bundle',
      },
    );
  }
  return { serial: serialHex(cert), ca, name, subject: dnLine(cert.subject) };
}

/** A serial may belong to a current certificate, a renewed one kept in backup/, or one signed from a CSR (signed/). */
function findBySerial(pki: PkiDir, hex: string, cas: DirCa[]): Found {
  const serial = normalizeSerial(hex);
  if (!/^[0-9a-f]{1,40}$/.test(serial)) {
    throw new PkiError(`"${hex}" is not a certificate serial number`, {
      option: 'serial',
      code: 'SERIAL',
      fix: 'give the serial in hex as cert list or cert inspect print it, e.g. 5f3a...',
    });
  }
  const candidates: { name?: string; file: string }[] = [
    ...pki.names().map((name) => ({ name, file: pki.certFile(name) })),
    ...pki.backups().map((b) => ({ name: b.name, file: b.certFile })),
    // Signed from a CSR (DIR/signed/SERIAL.crt, recorded by cert sign): found by its file name.
    ...pki
      .signedCertificates()
      .filter((r) => r.serial === serial)
      .map((r) => ({ file: r.certFile })),
  ];
  for (const { name, file } of candidates) {
    const cert = new X509Certificate(readUserFile(file, 'certificate'));
    if (serialHex(cert) !== serial) continue;
    return { serial, ca: issuerOf(cert, cas), ...(name ? { name } : {}), subject: dnLine(cert.subject) };
  }
  // An intermediate of the directory is revoked on its root's CRL (which needs the root's key).
  const intermediate = cas.find((c) => (c.role === 'intermediate' || c.role === 'previous-intermediate') && c.serial === serial);
  if (intermediate) return { serial, ca: issuerOf(intermediate.cert, cas), subject: intermediate.subject };
  // Not in DIR (signed from a CSR before cert sign recorded them): listing it on every CA's CRL is harmless, as serials are random 128-bit numbers.
  return { serial };
}
