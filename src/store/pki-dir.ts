// The certs/ directory: which file holds what, and the only place that reads or writes it.
import { existsSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CertificateAndKey, loadSigningCa, SigningCa } from '../pki/ca';
import { signingCertificateOf } from '../pki/ca-bundle';
import { PkiError } from '../pki/errors';
import { parseCertificateBundle } from '../pki/pem';
import { writeFileAtomic } from './atomic-write';
import { checkName, DEFAULT_PKI_DIR, IdentityFiles, loadIdentityFiles } from './pki-names';
import { readUserFile } from './read-file';

export { DEFAULT_PKI_DIR, checkName, loadIdentityFiles } from './pki-names';
export type { IdentityFiles } from './pki-names';

export class PkiDir {
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

  /** Refuses to go on when a CA exists: replacing a CA orphans every certificate it signed. */
  refuseExistingCa(): void {
    if (this.hasCa()) {
      throw new PkiError('a CA already exists here; nothing was written', {
        file: this.caCertFile,
        code: 'CA_EXISTS',
        fix: 'keep it (certificates it signed stay valid), or replace it (force) and re-issue every certificate',
      });
    }
  }

  /** Writes a new CA; an existing one is kept unless `force`. */
  writeCa(ca: CertificateAndKey, force = false): void {
    if (!force) this.refuseExistingCa();
    this.writePair(this.caCertFile, this.caKeyFile, ca, force);
  }

  /** Refuses to go on when NAME.crt or NAME.key exists, before any key is generated. */
  refuseExisting(name: string): void {
    const existing = [this.certFile(name), this.keyFile(name)].find((f) => existsSync(f));
    if (existing)
      throw new PkiError('already exists; nothing was written', {
        file: existing,
        code: 'EXISTS',
        fix: 'replace it (force), or choose another name',
      });
  }

  /** Refuses to go on when NAME.key or NAME.csr exists, before any key is generated. */
  refuseExistingRequest(name: string): void {
    const existing = [this.keyFile(name), this.csrFile(name)].find((f) => existsSync(f));
    if (existing)
      throw new PkiError('already exists; nothing was written', {
        file: existing,
        code: 'EXISTS',
        fix: 'replace it (force), or choose another name',
      });
  }

  /** The CA that issues leaves: the intermediate when there is one (its chain goes with each certificate), else the root. */
  loadCa(): SigningCa | Promise<SigningCa> {
    if (!existsSync(this.caCertFile)) {
      throw new PkiError('no CA in this directory', {
        file: this.caCertFile,
        code: 'NO_CA',
        fix: 'create it first: createCa(), then PkiDir.writeCa()',
        params: { dir: this.dir },
      });
    }
    if (this.hasIntermediate()) {
      const certPem = readUserFile(this.intermediateCertFile, 'intermediate CA certificate');
      return loadSigningCa(
        certPem,
        readUserFile(this.intermediateKeyFile, 'intermediate CA private key'),
        { cert: this.intermediateCertFile, key: this.intermediateKeyFile },
        certPem,
      );
    }
    // After `ca rotate`, ca.crt is a bundle (old and new CA): the one that signs is the one ca.key belongs to.
    const keyPem = readUserFile(this.caKeyFile, 'CA private key');
    return loadSigningCa(signingCertificateOf(readUserFile(this.caCertFile, 'CA certificate'), keyPem), keyPem, {
      cert: this.caCertFile,
      key: this.caKeyFile,
    });
  }

  /** Writes DIR/intermediate/ca.crt and ca.key (0600). */
  writeIntermediate(ca: CertificateAndKey, force = false): void {
    mkdirSync(this.intermediateDir, { recursive: true, mode: 0o700 });
    this.writePair(this.intermediateCertFile, this.intermediateKeyFile, ca, force);
  }

  /** Writes DIR/cas/NAME/ca.crt and ca.key; an existing one is kept unless `force`. */
  writeNamedCa(name: string, ca: CertificateAndKey, force = false): void {
    mkdirSync(this.namedCaDir(name), { recursive: true });
    this.writePair(this.namedCaCertFile(name), this.namedCaKeyFile(name), ca, force);
  }

  /** The CA called NAME (DIR/cas/NAME/), ready to sign. */
  loadNamedCa(name: string): Promise<SigningCa> {
    const certFile = this.namedCaCertFile(name);
    if (!existsSync(certFile)) {
      const known = this.namedCas();
      const here = known.length ? ` (CAs here: ${known.join(', ')})` : '';
      throw new PkiError(`no CA named "${name}"`, {
        file: certFile,
        code: 'NO_NAMED_CA',
        fix: `create it first: createCa(), then PkiDir.writeNamedCa("${name}", ...)${here}`,
        params: { name, dir: this.dir, here },
      });
    }
    return loadSigningCa(readUserFile(certFile, 'CA certificate'), readUserFile(this.namedCaKeyFile(name), 'CA private key'), {
      cert: certFile,
      key: this.namedCaKeyFile(name),
    });
  }

  /** The PEM bundle peers are verified against. */
  trustBundle(): string {
    const pem = readUserFile(this.caCertFile, 'CA certificate', 'dir');
    parseCertificateBundle(pem, this.caCertFile);
    return pem;
  }

  writeIdentity(name: string, pair: CertificateAndKey, force = false): void {
    checkName(name);
    this.writePair(this.certFile(name), this.keyFile(name), pair, force);
  }

  /** Loads NAME.crt/NAME.key plus the CA bundle, checking that each parses and that key and certificate belong together. */
  loadIdentity(name: string): IdentityFiles {
    checkName(name, 'name');
    const certFile = this.certFile(name);
    const keyFile = this.keyFile(name);
    if (!existsSync(certFile)) {
      throw new PkiError(`no certificate named "${name}"`, {
        file: certFile,
        code: 'NO_IDENTITY',
        fix: 'issue it first: issueCertificate(), then PkiDir.writeIdentity()',
        params: { name, dir: this.dir },
      });
    }
    return loadIdentityFiles({ name, certFile, keyFile, caFile: this.caCertFile });
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

  /** Records a certificate signed from a CSR (never replaces one: serials are unique). */
  recordSigned(serial: string, certPem: string): string {
    mkdirSync(this.signedDir, { recursive: true });
    const file = this.signedCertFile(serial);
    writeFileAtomic(file, certPem, { mode: 0o644 });
    return file;
  }

  /** Writes NAME.key (0600) and NAME.csr, key first; existing ones are kept unless `force`. */
  writeKeyAndCsr(name: string, request: { keyPem: string; csrPem: string }, force = false): void {
    checkName(name);
    this.writePair(this.csrFile(name), this.keyFile(name), { certPem: request.csrPem, keyPem: request.keyPem }, force);
  }

  /** Names of every issued certificate (NAME.crt other than ca.crt), sorted. */
  names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.crt') && f !== 'ca.crt')
      .map((f) => f.slice(0, -4))
      .sort();
  }

  /** A certificate (or CSR) and its key: the key first, so a public half on disk always has its key beside it. */
  private writePair(certFile: string, keyFile: string, pair: CertificateAndKey, force: boolean): void {
    mkdirSync(this.dir, { recursive: true });
    if (!force) {
      const existing = [certFile, keyFile].find((f) => existsSync(f));
      if (existing)
        throw new PkiError('already exists; nothing was written', {
          file: existing,
          code: 'EXISTS',
          fix: 'replace it (force), or choose another name',
        });
    }
    // (refuseExisting/refuseExistingCa say the same earlier, before keys are generated.)
    // Key first: a certificate on disk always has its key beside it.
    writeFileAtomic(keyFile, pair.keyPem, { mode: 0o600, overwrite: force });
    try {
      writeFileAtomic(certFile, pair.certPem, { mode: 0o644, overwrite: force });
    } catch (err) {
      if (!force) unlinkSync(keyFile);
      throw err;
    }
  }
}
