// `certrpc ca rotate`: a new CA takes over signing while the old one stays trusted.
//   before: ca.crt = [old]        ca.key = old
//   after:  ca.crt = [new, old]   ca.key = new   ca-OLDSERIAL.key = old (still signs its CRL)
// Every step is one atomic write, ordered so that a crash between any two leaves a directory where
// each CA in ca.crt has its key and ca.key signs: the new key is parked as ca-NEWSERIAL.key until
// ca.key is replaced.
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { createCa, createIntermediateCa, DEFAULT_CA_DAYS, loadSigningCa } from '../pki/ca';
import { KeyType } from '../pki/crypto';
import { PkiError } from '../pki/errors';
import { serialHex } from '../pki/verify';
import { writeFileAtomic } from '../store/atomic-write';
import { PkiDir } from '../store/pki-dir';
import { joinPem } from '../store/trust-bundle';
import { CaSet, loadCaSet, signerOf } from './ca-set';
import { prepareCrls, recordsToPublish, signersOf, writeCrls } from './publish-crl';
import { dnLine } from '../pki/distinguished-name';

export interface RotateOptions {
  commonName?: string;
  days?: number;
  keyType?: KeyType;
}

export interface RotateResult {
  /** The intermediate was rotated (the root, DIR/ca.crt, stays as it was). */
  intermediate?: boolean;
  previous: { serial: string; subject: string; keyFile: string };
  created: { serial: string; subject: string; notAfter: string };
  crlRepublished: boolean;
  /** From recordsToPublish: records restored from crl.pem, an unreadable crl.pem. */
  warnings: string[];
}

/** "certrpc CA" -> "certrpc CA G2" -> "certrpc CA G3": distinct names keep chain building and CRL lookup unambiguous. */
export function nextGenerationName(commonName: string): string {
  const m = /^(.*) G(\d+)$/.exec(commonName);
  return m ? `${m[1]} G${Number(m[2]) + 1}` : `${commonName} G2`;
}

export async function rotateCa(pki: PkiDir, options: RotateOptions = {}): Promise<RotateResult> {
  const set = loadCaSet(pki);
  if (set.intermediates.length > 0) return rotateIntermediate(pki, set, options);
  if (set.bundle.length > 1) {
    throw new PkiError(
      `a rotation is already under way: ca.crt trusts ${set.bundle.length} CAs (${set.bundle.map((c) => `"${c.subject}"`).join(', ')}); nothing was written`,
      {
        file: pki.caCertFile,
        fix: 'move every certificate to the new CA (certrpc cert renew NAME), then finish with certrpc ca retire',
      },
    );
  }
  const old = set.signing;
  const oldSigner = await signerOf(old); // checks the current key before anything changes
  const oldCn = /^CN=(.*)$/m.exec(old.cert.subject)?.[1] ?? 'certrpc CA';
  const pair = await createCa({
    commonName: options.commonName ?? nextGenerationName(oldCn),
    days: options.days ?? DEFAULT_CA_DAYS,
    keyType: options.keyType ?? oldSigner.keyType,
  });
  const created = new X509Certificate(pair.certPem);
  const createdSerial = serialHex(created);
  const newSigner = await loadSigningCa(pair.certPem, pair.keyPem);

  // Sign the CRLs before writing anything: servers checking CRLs need one for the new CA too. A lost
  // crl.pem with revocations on record is republished too: servers refuse to start without it.
  const { records, warnings, published } = await recordsToPublish(pki, set.all);
  const crls =
    existsSync(pki.crlFile) || records.revoked.length > 0
      ? await prepareCrls(
          records,
          [{ serial: createdSerial, subject: dnLine(created.subject), signer: newSigner }, ...(await signersOf(set.all))],
          { published },
        )
      : undefined;

  const oldKeyFile = pki.previousCaKeyFile(old.serial);
  const parkedKeyFile = pki.previousCaKeyFile(createdSerial);
  writeKeyOnce(oldKeyFile, readFileSync(pki.caKeyFile, 'utf8'));
  writeKeyOnce(parkedKeyFile, pair.keyPem);
  if (crls) writeCrls(pki, records, crls);
  writeFileAtomic(pki.caCertFile, joinPem([pair.certPem, old.pem]), { overwrite: true });
  writeFileAtomic(pki.caKeyFile, pair.keyPem, { mode: 0o600, overwrite: true });
  unlinkSync(parkedKeyFile);
  return {
    previous: { serial: old.serial, subject: old.subject, keyFile: oldKeyFile },
    created: { serial: createdSerial, subject: dnLine(created.subject), notAfter: new Date(created.validTo).toISOString() },
    crlRepublished: Boolean(crls),
    warnings,
  };
}

/**
 * With an intermediate, `ca rotate` replaces the intermediate (the root stays the trust anchor, so
 * no host needs a new ca.crt): a new one, signed by the root (whose key must be here for this), issues
 * from now on; the previous one moves to DIR/intermediate/ca-SERIAL.crt/.key and keeps signing its
 * CRL until `ca retire`. Certificates carry their own intermediate, so both kinds verify meanwhile.
 */
async function rotateIntermediate(pki: PkiDir, set: CaSet, options: RotateOptions): Promise<RotateResult> {
  const previous = set.intermediates.filter((c) => c.role === 'previous-intermediate');
  if (previous.length > 0) {
    throw new PkiError(
      `a rotation is already under way: ${previous.map((c) => `"${c.subject}"`).join(', ')} is still kept; nothing was written`,
      {
        file: pki.intermediateCertFile,
        fix: 'move every certificate to the new intermediate (certrpc cert renew NAME, or let agents renew), then finish with certrpc ca retire',
      },
    );
  }
  if (!existsSync(set.signing.keyFile)) {
    throw new PkiError(
      `a new intermediate must be signed by the root "${set.signing.subject}", whose key is not here; nothing was written`,
      {
        file: set.signing.keyFile,
        fix: 'bring the root key back to DIR/ca.key for the rotation, then take it offline again',
      },
    );
  }
  const old = set.intermediates[0];
  const root = await signerOf(set.signing);
  const oldSigner = await signerOf(old);
  const oldCn = /^CN=(.*)$/m.exec(old.cert.subject)?.[1] ?? 'certrpc intermediate CA';
  const pair = await createIntermediateCa(root, {
    commonName: options.commonName ?? nextGenerationName(oldCn),
    days: options.days ?? DEFAULT_CA_DAYS,
    keyType: options.keyType ?? oldSigner.keyType,
  });
  const created = new X509Certificate(pair.certPem);
  const createdSerial = serialHex(created);
  const newSigner = await loadSigningCa(pair.certPem, pair.keyPem, {}, pair.certPem);
  const { records, warnings, published } = await recordsToPublish(pki, set.all);
  const crls = await prepareCrls(
    records,
    [{ serial: createdSerial, subject: dnLine(created.subject), signer: newSigner }, ...(await signersOf(set.all))],
    { published },
  );

  const kept = pki.previousIntermediateFiles(old.serial);
  writeKeyOnce(kept.keyFile, readFileSync(old.keyFile, 'utf8'));
  writeFileAtomic(kept.certFile, old.pem, { overwrite: true });
  writeCrls(pki, records, crls);
  // Key, then certificate: between the two, loading the intermediate fails (key mismatch) rather than signing with the wrong pair.
  writeFileAtomic(pki.intermediateKeyFile, pair.keyPem, { mode: 0o600, overwrite: true });
  writeFileAtomic(pki.intermediateCertFile, pair.certPem, { overwrite: true });
  return {
    intermediate: true,
    previous: { serial: old.serial, subject: old.subject, keyFile: kept.keyFile },
    created: { serial: createdSerial, subject: dnLine(created.subject), notAfter: new Date(created.validTo).toISOString() },
    crlRepublished: true,
    warnings,
  };
}

/** A key file that may exist from an interrupted run must hold the same key; anything else is refused. */
function writeKeyOnce(file: string, keyPem: string): void {
  if (existsSync(file)) {
    if (readFileSync(file, 'utf8') === keyPem) return;
    throw new PkiError('a different key already has this name; nothing was changed', {
      file,
      fix: 'move it away (it belongs to an earlier CA), then run the command again',
    });
  }
  writeFileAtomic(file, keyPem, { mode: 0o600 });
}
