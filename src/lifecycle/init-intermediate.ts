// `certrpc pki init --intermediate`: a root that only signs intermediates (and its CRL), and an
// intermediate in DIR/intermediate/ that issues every leaf. The root is the trust anchor (DIR/ca.crt)
// everywhere; its key can then go offline. Three ways in:
//   - an empty DIR: a new root and an intermediate under it;
//   - a DIR that holds a root (ca.crt + ca.key) without an intermediate: an intermediate under it;
//   - --root ROOTDIR: an intermediate under the root of another directory (an offline root's): DIR
//     gets the root certificate only, never its key.
// DIR/crl.pem gets a CRL of each (OpenSSL wants one per CA of a chain once any is loaded); the
// root's CRL lives longer (rootCrlDays), since re-signing it needs the root's key.
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { CertificateAndKey, createCa, createIntermediateCa, DEFAULT_CA_DAYS, loadSigningCa, SigningCa } from '../pki/ca';
import { KeyType } from '../pki/crypto';
import { PkiError } from '../pki/errors';
import { serialHex } from '../pki/verify';
import { writeFileAtomic } from '../store/atomic-write';
import { PkiDir } from '../store/pki-dir';
import { joinPem } from '../store/trust-bundle';
import { loadCaSet, signerOf } from './ca-set';
import { dnLine } from '../pki/distinguished-name';
import { DEFAULT_CRL_DAYS, prepareCrls, recordsToPublish, writeCrls } from './publish-crl';

export const DEFAULT_ROOT_CRL_DAYS = 365;

export interface InitIntermediateOptions {
  /** A directory whose CA (ca.crt + ca.key) signs the intermediate; default: DIR's own root, or a new one. */
  rootDir?: string;
  rootCommonName?: string;
  commonName?: string;
  days?: number;
  keyType?: KeyType;
  crlDays?: number;
  rootCrlDays?: number;
}

export interface InitIntermediateResult {
  root: { subject: string; serial: string; created: boolean; keyFile?: string };
  intermediate: { subject: string; serial: string; notAfter: string };
}

export async function initIntermediate(pki: PkiDir, options: InitIntermediateOptions = {}): Promise<InitIntermediateResult> {
  if (pki.hasIntermediate()) {
    throw new PkiError('an intermediate CA already exists here; nothing was written', {
      file: pki.intermediateCertFile,
      fix: 'to replace it while certificates keep working, use certrpc ca rotate (it makes a new intermediate under the same root)',
    });
  }
  const { root, rootPem, created } = await rootFor(pki, options);
  const pair = await createIntermediateCa(root, {
    commonName: options.commonName ?? 'certrpc intermediate CA',
    days: options.days ?? DEFAULT_CA_DAYS,
    keyType: options.keyType ?? root.keyType,
  });
  const intermediate = await loadSigningCa(pair.certPem, pair.keyPem, {}, pair.certPem);
  const rootCert = new X509Certificate(rootPem);
  const interCert = new X509Certificate(pair.certPem);

  // CRLs in memory first: the root's and the new intermediate's, plus those DIR already publishes.
  const existing = created || options.rootDir ? [] : loadCaSet(pki).all;
  const { records, published } = await recordsToPublish(pki, existing);
  const signer = (cert: X509Certificate, ca: SigningCa) => ({ serial: serialHex(cert), subject: dnLine(cert.subject), signer: ca });
  const others = await Promise.all(
    existing
      .filter((c) => c.serial !== serialHex(rootCert))
      .map(async (c) => ({ serial: c.serial, subject: c.subject, signer: await signerOf(c) })),
  );
  const rootCrl = await prepareCrls(records, [signer(rootCert, root)], { days: options.rootCrlDays ?? DEFAULT_ROOT_CRL_DAYS, published });
  const rest = await prepareCrls(records, [signer(interCert, intermediate), ...others], {
    days: options.crlDays ?? DEFAULT_CRL_DAYS,
    published,
  });

  if (created) pki.writeCa(created);
  else if (options.rootDir) {
    mkdirSync(pki.dir, { recursive: true });
    writeFileAtomic(pki.caCertFile, rootPem, { overwrite: false });
  }
  pki.writeIntermediate(pair);
  writeCrls(pki, records, { ...rest, pem: joinPem([rootCrl.pem, rest.pem]), perCa: [...rootCrl.perCa, ...rest.perCa] });
  return {
    root: {
      subject: dnLine(rootCert.subject),
      serial: serialHex(rootCert),
      created: Boolean(created),
      ...(options.rootDir ? {} : { keyFile: pki.caKeyFile }),
    },
    intermediate: { subject: dnLine(interCert.subject), serial: serialHex(interCert), notAfter: new Date(interCert.validTo).toISOString() },
  };
}

/** The root that signs: another directory's, DIR's own, or a new one (written by the caller once all is signed). */
async function rootFor(
  pki: PkiDir,
  options: InitIntermediateOptions,
): Promise<{ root: SigningCa; rootPem: string; created?: CertificateAndKey }> {
  if (options.rootDir) {
    if (pki.hasCa()) {
      throw new PkiError('a CA already exists here; nothing was written', {
        file: pki.caCertFile,
        code: 'INTERMEDIATE_HERE',
        fix: "make the intermediate in an empty directory, or under this directory's own root (no rootDir)",
      });
    }
    const rootPki = new PkiDir(options.rootDir);
    const set = loadCaSet(rootPki);
    if (set.intermediates.length > 0 && !existsSync(rootPki.caKeyFile)) {
      throw new PkiError('the root key of this directory is not here (DIR/ca.key)', {
        file: rootPki.caKeyFile,
        fix: 'run this where the root key is',
      });
    }
    return { root: await signerOf(set.signing), rootPem: set.signing.pem };
  }
  if (pki.hasCa()) {
    const set = loadCaSet(pki);
    return { root: await signerOf(set.signing), rootPem: set.signing.pem };
  }
  const created = await createCa({ commonName: options.rootCommonName ?? 'certrpc root CA', days: options.days, keyType: options.keyType });
  return { root: await loadSigningCa(created.certPem, created.keyPem), rootPem: created.certPem, created };
}
