// The certs/ directory's layout: which file holds what, and what is there (listings). Paths only:
// reading and writing the files is PkiDir's job (pki-dir.ts).
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkName, DEFAULT_PKI_DIR } from './pki-names';

export class PkiLayout {
  readonly dir: string;

  constructor(dir: string = DEFAULT_PKI_DIR) {
    this.dir = resolve(dir);
  }

  get caCertFile(): string {
    return join(this.dir, 'ca.crt');
  }
  get caKeyFile(): string {
    return join(this.dir, 'ca.key');
  }
  /**
   * Further CAs live side by side in DIR/cas/NAME/ (ca.crt, ca.key), e.g. a separate root for
   * client certificates, so a server can trust its clients' CA without trusting its own.
   * A subdirectory keeps them out of the NAME.crt identity namespace (`cert list`).
   */
  namedCaDir(name: string): string {
    return join(this.dir, 'cas', checkName(name, 'name'));
  }
  namedCaCertFile(name: string): string {
    return join(this.namedCaDir(name), 'ca.crt');
  }
  namedCaKeyFile(name: string): string {
    return join(this.namedCaDir(name), 'ca.key');
  }
  /**
   * An intermediate CA (pki init --intermediate) lives in DIR/intermediate/: ca.crt and ca.key sign
   * leaves, while DIR/ca.crt stays the root(s) peers trust and DIR/ca.key (the root's key) may be
   * kept offline. After `ca rotate`, the previous intermediate is ca-SERIAL.crt/.key beside it.
   */
  get intermediateDir(): string {
    return join(this.dir, 'intermediate');
  }
  get intermediateCertFile(): string {
    return join(this.intermediateDir, 'ca.crt');
  }
  get intermediateKeyFile(): string {
    return join(this.intermediateDir, 'ca.key');
  }
  previousIntermediateFiles(caSerial: string): { certFile: string; keyFile: string } {
    return { certFile: join(this.intermediateDir, `ca-${caSerial}.crt`), keyFile: join(this.intermediateDir, `ca-${caSerial}.key`) };
  }
  /** Serials of the previous intermediates (after `ca rotate`), from their file names. */
  previousIntermediates(): string[] {
    if (!existsSync(this.intermediateDir)) return [];
    return readdirSync(this.intermediateDir)
      .map((f) => /^ca-([0-9a-f]+)\.crt$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined)
      .sort();
  }
  hasIntermediate(): boolean {
    return existsSync(this.intermediateCertFile);
  }
  /** Names of the CAs under DIR/cas/, sorted. */
  namedCas(): string[] {
    const root = join(this.dir, 'cas');
    if (!existsSync(root)) return [];
    return readdirSync(root)
      .filter((n) => existsSync(join(root, n, 'ca.crt')))
      .sort();
  }
  /** The CRLs servers load: one per CA this directory holds, each signed by that CA (cert revoke, ca crl). */
  get crlFile(): string {
    return join(this.dir, 'crl.pem');
  }
  /** What was revoked, when and why: the record the CRLs are made from. */
  get revocationsFile(): string {
    return join(this.dir, 'revocations.json');
  }
  /** After `ca rotate`: the key of a CA still trusted (in ca.crt) that no longer signs certificates. */
  previousCaKeyFile(caSerial: string): string {
    return join(this.dir, `ca-${caSerial}.key`);
  }
  /** Where `ca retire` moves a CA that is no longer trusted (kept, not deleted: old signatures stay checkable). */
  retiredCaFiles(caSerial: string): { certFile: string; keyFile: string } {
    return { certFile: join(this.dir, 'retired', `ca-${caSerial}.crt`), keyFile: join(this.dir, 'retired', `ca-${caSerial}.key`) };
  }
  /** Where `cert renew` keeps the pair it replaced; stamp is a UTC time like 20260102T030405123Z. */
  backupFiles(name: string, stamp: string): { certFile: string; keyFile: string } {
    return { certFile: join(this.dir, 'backup', `${name}.${stamp}.crt`), keyFile: join(this.dir, 'backup', `${name}.${stamp}.key`) };
  }
  certFile(name: string): string {
    return join(this.dir, `${name}.crt`);
  }
  /** The request `cert csr` makes beside NAME.key, for the CA host to sign into NAME.crt. */
  csrFile(name: string): string {
    return join(this.dir, `${name}.csr`);
  }
  /**
   * Every certificate `cert sign` made from a CSR, recorded on the CA host as DIR/signed/SERIAL.crt
   * (the key stays with the requester): `cert list`, `cert revoke --serial` and `ca retire` see them.
   */
  get signedDir(): string {
    return join(this.dir, 'signed');
  }
  signedCertFile(serial: string): string {
    return join(this.signedDir, `${serial}.crt`);
  }
  keyFile(name: string): string {
    return join(this.dir, `${name}.key`);
  }

  hasCa(): boolean {
    return existsSync(this.caCertFile) || existsSync(this.caKeyFile);
  }

  has(name: string): boolean {
    return existsSync(this.certFile(name));
  }

  /** The pairs `cert renew` replaced, oldest first (stamps sort by time). */
  backups(): { name: string; stamp: string; certFile: string; keyFile: string }[] {
    const dir = join(this.dir, 'backup');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((f) => /^(.+)\.(\d{8}T\d{9}Z)\.crt$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ name: m[1], stamp: m[2], ...this.backupFiles(m[1], m[2]) }))
      .sort((a, b) => a.stamp.localeCompare(b.stamp));
  }

  /** The certificates `cert sign` recorded, by serial (lower-case hex), sorted. */
  signedCertificates(): { serial: string; certFile: string }[] {
    if (!existsSync(this.signedDir)) return [];
    return readdirSync(this.signedDir)
      .map((f) => /^([0-9a-f]{1,40})\.crt$/.exec(f)?.[1])
      .filter((serial): serial is string => serial !== undefined)
      .sort()
      .map((serial) => ({ serial, certFile: this.signedCertFile(serial) }));
  }

  /** Names of every issued certificate (NAME.crt other than ca.crt), sorted. */
  names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.crt') && f !== 'ca.crt')
      .map((f) => f.slice(0, -4))
      .sort();
  }
}
