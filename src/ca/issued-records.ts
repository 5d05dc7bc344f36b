// What the CA service issued, on the CA host, in the PKI directory's own terms: DIR/NAME.crt is the
// identity's current certificate (with its chain; its key is on its host, never here), and the one
// it replaced moves to DIR/backup/NAME.STAMP.crt. So `cert list` shows every identity the CA
// serves, `cert revoke NAME` revokes the current one, `cert revoke --serial` an older one.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { serialHex } from '../pki/verify';
import { backupStamp } from '../lifecycle/renew';
import { writeFileAtomic } from '../store/atomic-write';
import { PkiDir } from '../store/pki-dir';
import { isValidName } from '../store/pki-names';
import { readUserFile } from '../store/read-file';

/** The longest an index lookup waits before rescanning DIR for a serial it does not know. */
const RESCAN_MS = 1000;

export class IssuedRecords {
  /** serial -> NAME of each current certificate in DIR, rebuilt when a serial is not found. */
  private bySerial = new Map<string, string>();
  private scannedAt = 0;

  constructor(private readonly pki: PkiDir) {}

  /**
   * Refuses a NAME the CA service must not write: its own identity, or one whose key lives on the CA
   * host (cert issue): replacing its certificate would part it from that key.
   */
  refuseLocalIdentity(name: string, reserved: string): string | undefined {
    if (name === reserved) return `"${name}" is the CA service's own identity`;
    if (existsSync(this.pki.keyFile(name)))
      return `"${name}" is an identity whose key lives on the CA host (${this.pki.keyFile(name)}): renew it there with certrpc cert renew ${name}`;
    return undefined;
  }

  /** The current certificate of NAME, if DIR has one. */
  current(name: string): { pem: string; cert: X509Certificate } | undefined {
    const file = this.pki.certFile(name);
    if (!existsSync(file)) return undefined;
    const pem = readUserFile(file, 'certificate');
    return { pem, cert: new X509Certificate(pem) };
  }

  /** The NAME whose current certificate has this serial; `hint` (the caller's CN) is tried first. */
  nameOf(serial: string, hint?: string): string | undefined {
    if (hint && isValidName(hint) && this.isCurrent(hint, serial)) return hint;
    const cached = this.bySerial.get(serial);
    if (cached && this.isCurrent(cached, serial)) return cached;
    if (Date.now() - this.scannedAt < RESCAN_MS) return undefined;
    this.scannedAt = Date.now();
    const next = new Map<string, string>();
    for (const name of this.pki.names()) {
      try {
        next.set(serialHex(new X509Certificate(readUserFile(this.pki.certFile(name), 'certificate'))), name);
      } catch {
        // an unreadable file names nobody
      }
    }
    this.bySerial = next;
    return next.get(serial);
  }

  /** The serial NAME had before its current certificate (the newest backup), if any. */
  previousSerial(name: string): string | undefined {
    const backups = this.pki.backups().filter((b) => b.name === name);
    const last = backups[backups.length - 1];
    if (!last) return undefined;
    try {
      return serialHex(new X509Certificate(readUserFile(last.certFile, 'certificate')));
    } catch {
      return undefined;
    }
  }

  /** NAME's new current certificate; the one it replaces is kept in DIR/backup/. */
  record(name: string, certPem: string, now = new Date()): void {
    const previous = this.current(name);
    if (previous) {
      const stamp = backupStamp(now);
      let file = this.pki.backupFiles(name, stamp).certFile;
      // Two renewals of one name in the same millisecond: keep both.
      for (let i = 1; existsSync(file); i++) file = this.pki.backupFiles(name, backupStamp(new Date(now.getTime() + i))).certFile;
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      writeFileAtomic(file, previous.pem);
    }
    writeFileAtomic(this.pki.certFile(name), certPem, { overwrite: true });
    this.bySerial.set(serialHex(new X509Certificate(certPem)), name);
  }

  private isCurrent(name: string, serial: string): boolean {
    try {
      const current = this.current(name);
      return current !== undefined && serialHex(current.cert) === serial;
    } catch {
      return false;
    }
  }
}
