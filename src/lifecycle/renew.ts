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
import { Profile } from '../pki/profiles';
import { sansOf } from '../pki/subject-alt-names';
import { serialHex } from '../pki/verify';
import { writeFileAtomic } from '../store/atomic-write';
import { checkName, PkiDir } from '../store/pki-dir';
import { DirCa, issuerOf, loadCaSet, oneLine, signerOf } from './ca-set';

const DAY_MS = 86_400_000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

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
      fix: `see the names with: certrpc cert list --dir ${pki.dir}; a new identity is made with: certrpc cert issue ${name} --client (a server: --server --san DNS:HOST)`,
    });
  }
  const current = pki.loadIdentity(name); // parses both and checks that the key belongs to the certificate
  const cert = new X509Certificate(current.certPem);
  const set = loadCaSet(pki);
  const issuer = issuerOf(cert, set.all);
  if (!issuer) {
    throw new PkiError(`"${name}" was not issued by a CA of this directory (issuer "${oneLine(cert.issuer)}"), so it cannot be renewed here; nothing was written`, {
      file: current.certFile,
      fix: `issue a new certificate instead: certrpc cert issue ${name} --client --force (a server: --server --san DNS:HOST --force)`,
    });
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
  const eku = cert.keyUsage ?? [];
  if (eku.includes(SERVER_AUTH) && !eku.includes(CLIENT_AUTH)) return 'server';
  if (eku.includes(CLIENT_AUTH) && !eku.includes(SERVER_AUTH)) return 'client';
  throw new PkiError('the certificate is neither only a server nor only a client certificate (extended key usage), so its profile cannot be kept', {
    file,
    fix: 'issue a new one with certrpc cert issue NAME --client --force, or certrpc cert issue NAME --server --san DNS:HOST --force',
  });
}

function originalDays(cert: X509Certificate): number {
  return Math.max(1, Math.round((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / DAY_MS));
}
