// `certrpc cert renew NAME`: a new key and certificate for the same identity (CN, SANs, profile,
// key type), signed by the CA that signs now (so renewing moves an identity to a rotated CA). The
// replaced pair is kept in DIR/backup/. Processes watching NAME.crt/NAME.key pick the new pair up.
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CertificateAndKey } from '../pki/ca';
import { keyTypeOf, x509 } from '../pki/crypto';
import { PkiError } from '../pki/errors';
import { issueCertificate } from '../pki/issue';
import { Profile, profileOfEku } from '../pki/profiles';
import { sansOf } from '../pki/subject-alt-names';
import { serialHex } from '../pki/verify';
import { writeFileAtomic } from '../store/atomic-write';
import { checkName, PkiDir } from '../store/pki-dir';
import { DirCa, issuerOf, loadCaSet, signerOf } from './ca-set';
import { dnLine } from '../pki/distinguished-name';

const DAY_MS = 86_400_000;

export interface RenewOptions {
  /** Validity of the new certificate; default: as long as the old one was. */
  days?: number;
  now?: Date;
}

export interface RenewResult {
  name: string;
  profile: Profile;
  oldSerial: string;
  newSerial: string;
  notAfter: string;
  /** The CA that signed the new certificate. */
  signedBy: string;
  backup: { certFile: string; keyFile: string };
}

/** 20260102T030405123Z: sortable, and safe in file names everywhere. */
export function backupStamp(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '');
}

export async function renewIdentity(pki: PkiDir, name: string, options: RenewOptions = {}): Promise<RenewResult> {
  checkName(name);
  if (!pki.has(name)) {
    throw new PkiError(`no certificate named "${name}" to renew; nothing was written`, {
      file: pki.certFile(name),
      code: 'RENEW_UNKNOWN',
      fix: 'see the names with PkiDir.names(); a new identity is made with issueCertificate()',
      params: { name, dir: pki.dir },
    });
  }
  const current = pki.loadIdentity(name); // parses both and checks that the key belongs to the certificate
  const cert = new X509Certificate(current.certPem);
  const set = loadCaSet(pki);
  const issuer = issuerOf(cert, set.all);
  if (!issuer) {
    throw new PkiError(
      `"${name}" was not issued by a CA of this directory (issuer "${dnLine(cert.issuer)}"), so it cannot be renewed here; nothing was written`,
      {
        file: current.certFile,
        code: 'RENEW_NOT_HERE',
        fix: 'issue a new certificate instead (issueCertificate(), then PkiDir.writeIdentity() with force)',
        params: { name, dir: pki.dir },
      },
    );
  }
  // A named CA (DIR/cas/NAME) renews its own certificates; the default CA's go to whichever issues now
  // (the current intermediate, when there is one: the new certificate carries it as its chain).
  const signingCa: DirCa = issuer.role === 'named' ? issuer : set.issuing;
  const pair = await issueCertificate(await signerOf(signingCa), {
    profile: profileOf(cert, current.certFile),
    commonName: new x509.X509Certificate(current.certPem).subjectName.getField('CN')[0] ?? name,
    sans: sansOf(new x509.X509Certificate(current.certPem)),
    days: options.days ?? originalDays(cert),
    keyType: keyTypeOf(createPublicKey(current.certPem)),
  });
  const backup = pki.backupFiles(name, backupStamp(options.now ?? new Date()));
  writeBackup(backup, current);
  // Key first, then certificate, each an atomic rename; a watcher that reads in between sees a
  // mismatched pair, refuses it and keeps its last good one until the certificate lands.
  writeFileAtomic(pki.keyFile(name), pair.keyPem, { mode: 0o600, overwrite: true });
  writeFileAtomic(pki.certFile(name), pair.certPem, { mode: 0o644, overwrite: true });
  const renewed = new X509Certificate(pair.certPem);
  return {
    name,
    profile: profileOf(cert, current.certFile),
    oldSerial: serialHex(cert),
    newSerial: serialHex(renewed),
    notAfter: new Date(renewed.validTo).toISOString(),
    signedBy: signingCa.subject,
    backup,
  };
}

function writeBackup(files: { certFile: string; keyFile: string }, pair: CertificateAndKey): void {
  mkdirSync(dirname(files.certFile), { recursive: true, mode: 0o700 });
  writeFileAtomic(files.keyFile, pair.keyPem, { mode: 0o600 });
  writeFileAtomic(files.certFile, pair.certPem, { mode: 0o644 });
}

function profileOf(cert: X509Certificate, file: string): Profile {
  const profile = profileOfEku(cert.keyUsage);
  if (profile) return profile;
  throw new PkiError(
    'the certificate is neither only a server nor only a client certificate (extended key usage), so its profile cannot be kept',
    {
      file,
      code: 'RENEW_PROFILE',
      fix: 'issue a new one with the profile it is for (issueCertificate(), then PkiDir.writeIdentity() with force)',
    },
  );
}

function originalDays(cert: X509Certificate): number {
  return Math.max(1, Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS));
}
