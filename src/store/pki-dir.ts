// The certs/ directory: the only place that reads or writes it (where each file lives: pki-layout.ts).
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import type * as CaModule from '../pki/ca';
import type { CertificateAndKey, SigningCa } from '../pki/ca';
import type * as CaBundleModule from '../pki/ca-bundle';
import { PkiError } from '../pki/errors';
import { parseCertificateBundle } from '../pki/pem';
import { writeFileAtomic } from './atomic-write';
import { PkiLayout } from './pki-layout';
import { checkName, IdentityFiles, loadIdentityFiles } from './pki-names';
import { readUserFile } from './read-file';

export { DEFAULT_PKI_DIR, checkName, loadIdentityFiles } from './pki-names';
export type { IdentityFiles } from './pki-names';

/**
 * The signing code (pki/ca.ts, pki/ca-bundle.ts: @peculiar/x509 and its global Reflect polyfill,
 * ~3 MB of heap) is loaded when a CA is, not with this class: `certrpc serve` reads its identity
 * and trust from a PkiDir and never signs, and every MB a server holds costs it in GC.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadSigningCa: typeof CaModule.loadSigningCa = (...args) => (require('../pki/ca') as typeof CaModule).loadSigningCa(...args);
const signingCertificateOf: typeof CaBundleModule.signingCertificateOf = (...args) =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../pki/ca-bundle') as typeof CaBundleModule).signingCertificateOf(...args);

export class PkiDir extends PkiLayout {
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
