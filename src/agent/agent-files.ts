// The files an agent keeps on its host, in certrpc's PKI directory layout, so `certrpc serve --dir DIR
// --name NAME`, reloading clients and `certrpc call --identity NAME` use them as they are:
//   DIR/NAME.key  the private key, made here, 0600, never sent anywhere
//   DIR/NAME.crt  the certificate, then its chain (the intermediate)
//   DIR/ca.crt    the CA certificates to trust;  DIR/crl.pem  the CRLs to enforce
// Everything written is checked first and written atomically (store/atomic-write.ts); what fails a
// check is never written, and what is on disk stays.
import { X509Certificate } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { matchCrlsToCas, parseCrls } from '../pki/crl';
import { x509 } from '../pki/crypto';
import { PkiError } from '../pki/errors';
import { keyMatchesCertificate } from '../pki/key-match';
import { parseCertificateBundle } from '../pki/pem';
import { serialHex, verifyCertificate } from '../pki/verify';
import { writeFileAtomic } from '../store/atomic-write';
import { checkName, PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { checkTrustAnchors } from '../store/trust-bundle';
import { checkCrlsNotOlder, CrlFacts } from '../tls/crl-continuity';
import type { CurrentIdentity, TrustMaterial } from './ca-backend';

export interface HeldIdentity extends CurrentIdentity {
  leaf: X509Certificate;
  chain: X509Certificate[];
  /** When this host got it (from the CA in this run, or NAME.crt's modification time): where its life starts for scheduling. */
  receivedAt: Date;
}

export class AgentFiles {
  readonly pki: PkiDir;

  constructor(
    dir: string,
    readonly name: string,
  ) {
    checkName(name, 'name');
    this.pki = new PkiDir(dir);
  }

  get certFile(): string {
    return this.pki.certFile(this.name);
  }
  get keyFile(): string {
    return this.pki.keyFile(this.name);
  }
  get caFile(): string {
    return this.pki.caCertFile;
  }
  get crlFile(): string {
    return this.pki.crlFile;
  }

  /** Before a token is spent: DIR (or the directory it will be made in) must be writable. */
  checkWritable(): void {
    let dir = this.pki.dir;
    while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new PkiError(`${dir} is not writable by this user: the identity could not be written`, {
        file: dir,
        fix: 'run the agent as the user that owns the directory, or fix its permissions',
      });
    }
  }

  hasIdentity(): boolean {
    return existsSync(this.certFile);
  }

  /** DIR/NAME.crt and NAME.key, checked to belong together. */
  readIdentity(): HeldIdentity {
    const certPem = readUserFile(this.certFile, 'certificate');
    const keyPem = readUserFile(this.keyFile, 'private key');
    const [leaf, ...chain] = parseCertificateBundle(certPem, this.certFile);
    if (!keyMatchesCertificate(keyPem, certPem)) {
      throw new PkiError(`the private key does not belong to ${this.certFile}`, {
        file: this.keyFile,
        code: 'AGENT_KEY_MISMATCH',
        fix: 'restore the pair, or enroll again with a new token that replaces the enrolled identity',
        params: { name: this.name },
      });
    }
    return { certPem, keyPem, leaf, chain, receivedAt: statSync(this.certFile).mtime };
  }

  /** DIR/ca.crt, once the first contact wrote it; undefined before. */
  readTrust(): string | undefined {
    if (!existsSync(this.caFile)) return undefined;
    const pem = readUserFile(this.caFile, 'CA certificate');
    checkTrustAnchors(pem, this.caFile, 'remove it: the agent fetches it again from the CA, checked against the pinned root fingerprint');
    return pem;
  }

  readCrl(): string | undefined {
    return existsSync(this.crlFile) ? readUserFile(this.crlFile, 'CRL file') : undefined;
  }

  /** A certificate the CA issued for `keyPem`: it must be for that key, not a CA, and chain to `trustPem`. */
  checkIssued(certPem: string, keyPem: string, trustPem: string): HeldIdentity {
    const [leaf, ...chain] = parseCertificateBundle(certPem, 'the certificate the CA sent');
    if (!keyMatchesCertificate(keyPem, certPem))
      throw new PkiError('the CA sent a certificate for another key than the one this host made; nothing was written');
    if (leaf.ca) throw new PkiError("the CA sent a CA certificate as this host's identity; nothing was written");
    const verdict = verifyCertificate(leaf, parseCertificateBundle(trustPem), { intermediates: chain });
    if (!verdict.ok)
      throw new PkiError(`the certificate the CA sent does not verify against ${this.caFile}: ${verdict.reason}; nothing was written`);
    return { certPem, keyPem, leaf, chain, receivedAt: new Date() };
  }

  /**
   * Key first (0600), then the certificate: a certificate on disk always has its key beside it. A
   * renewal for the same key writes the certificate alone. Returns the files written.
   */
  writeIdentity(identity: CurrentIdentity, options: { keyChanged: boolean } = { keyChanged: true }): string[] {
    mkdirSync(this.pki.dir, { recursive: true, mode: 0o700 });
    if (options.keyChanged) writeFileAtomic(this.keyFile, identity.keyPem, { mode: 0o600, overwrite: true });
    writeFileAtomic(this.certFile, identity.certPem, { mode: 0o644, overwrite: true });
    return options.keyChanged ? [this.keyFile, this.certFile] : [this.certFile];
  }

  /**
   * For a CA that publishes no CRL (step-ca): a DIR/crl.pem is another CA's, and would never be
   * updated. certrpc serve, the proxy and reloading clients refuse a crl.pem without a valid CRL for
   * every CA they trust, so this directory would not serve; and deleting a CRL is not the agent's
   * call (revocation fails closed). Refused, named, before anything is sent.
   */
  refuseForeignCrl(): void {
    if (!existsSync(this.crlFile)) return;
    throw new PkiError(
      `${this.crlFile} is there, but this CA publishes no CRL: it is another CA's, and certrpc serve refuses a crl.pem without a CRL of every CA it trusts, so this directory would not serve. Nothing was written`,
      {
        file: this.crlFile,
        fix: `if ${this.pki.dir} now follows this CA, move crl.pem (and revocations.json) out of it; otherwise give the agent another directory`,
      },
    );
  }

  /**
   * Checks trust material from the CA against what is on disk: CA certificates only; every CRL of a
   * CA we know (the bundle, our chain) signed by it and not older than the one on disk (a replayed
   * old CRL would bring revoked certificates back). Returns the files whose content changes.
   */
  async checkTrust(material: TrustMaterial, chain: X509Certificate[]): Promise<{ caChanged: boolean; crlChanged: boolean }> {
    const roots = checkTrustAnchors(
      material.caBundlePem,
      'the CA bundle the CA sent',
      "this is the CA's to fix: its DIR/ca.crt must hold CA certificates only",
    );
    const onDisk = { ca: existsSync(this.caFile) ? readUserFile(this.caFile, 'CA certificate') : undefined, crl: this.readCrl() };
    if (material.crlPem) {
      const known = [...roots, ...chain.filter((c) => c.ca)];
      const next = await crlFacts(material.crlPem, known, 'the CRLs the CA sent');
      const held = onDisk.crl ? await crlFacts(onDisk.crl, known, this.crlFile).catch(() => []) : [];
      checkCrlsNotOlder(this.crlFile, next, held);
    } else if (onDisk.crl) {
      throw new PkiError('the CA sent no CRL while this host enforces one; the CRLs in force stay', {
        file: this.crlFile,
        fix: 'on the CA host: certrpc ca crl',
      });
    }
    return { caChanged: onDisk.ca !== material.caBundlePem, crlChanged: Boolean(material.crlPem) && onDisk.crl !== material.crlPem };
  }

  /** The CA certificates before the CRLs: a server loading a CRL of a new CA needs that CA in ca.crt first. */
  writeTrust(material: TrustMaterial, changed: { caChanged: boolean; crlChanged: boolean }): string[] {
    const written: string[] = [];
    if (changed.caChanged || changed.crlChanged) mkdirSync(this.pki.dir, { recursive: true, mode: 0o700 });
    if (changed.caChanged) {
      writeFileAtomic(this.caFile, material.caBundlePem, { overwrite: true });
      written.push(this.caFile);
    }
    if (changed.crlChanged) {
      writeFileAtomic(this.crlFile, material.crlPem, { overwrite: true });
      written.push(this.crlFile);
    }
    return written;
  }

  /** Whether `crlPem` (default: DIR/crl.pem) lists this certificate on its CA's CRL, and when/why. */
  revocationOf(identity: HeldIdentity, crlPem?: string): { revokedAt: Date; reason: string } | undefined {
    const pem = crlPem || this.readCrl();
    if (!pem) return undefined;
    const serial = serialHex(identity.leaf);
    const issuer = new x509.X509Certificate(identity.leaf.raw).issuer;
    for (const crl of parseCrls(pem, this.crlFile)) {
      if (crl.issuer !== issuer) continue;
      const entry = crl.entries.find((e) => e.serial === serial);
      if (entry) return { revokedAt: entry.revokedAt, reason: entry.reason };
    }
    return undefined;
  }
}

/** The facts crl-continuity.ts compares, for the CRLs signed by one of `known`. */
async function crlFacts(pem: string, known: X509Certificate[], file: string): Promise<CrlFacts[]> {
  const { matched } = await matchCrlsToCas(
    parseCrls(pem, file),
    known.map((c) => new x509.X509Certificate(c.raw)),
    file,
  );
  return matched.map((m) => ({
    issuer: m.crl.issuer,
    caFingerprint: known.find((k) => Buffer.from(m.ca.rawData).equals(k.raw))!.fingerprint256,
    crlNumber: m.crl.crlNumber,
    thisUpdate: m.crl.thisUpdate,
    nextUpdate: m.crl.nextUpdate,
    revoked: m.crl.entries.length,
  }));
}
