// The one function that turns a list of files into checked TLS material, for servers and for
// long-lived clients, at start and on every reload. Adding an input (another trust bundle, say)
// is a field of TlsFiles and a line here.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type * as CrlModule from '../pki/crl';
import type * as CryptoModule from '../pki/crypto';
import { PkiError } from '../pki/errors';
import { crlPemBlocks, pemBlocks } from '../pki/pem';
import { serialHex } from '../pki/verify';
import { loadIdentityFiles } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { checkTrustAnchors, joinPem, loadTrustBundle } from '../store/trust-bundle';
import { checkCrlsListRecords, checkCrlsNotOlder, checkMissingCrl, CrlFacts, isMissing, MatchedCrl, republishFix } from './crl-continuity';
import type { TlsMaterial } from './mtls-listener';
import { dnLine } from '../pki/distinguished-name';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** The CA bundle(s) peers must chain to; several files are joined (serve --client-ca A --client-ca B). */
  caFiles: string[];
  /**
   * CRLs (one per CA: certrpc writes DIR/crl.pem so). No file means no revocation checking, unless a
   * CRL was in force (it stays: the change is refused) or revocationsFile records revocations (refused).
   */
  crlFile?: string;
  /** DIR/revocations.json: revocations by a trusted CA on record there must be listed by its CRL. */
  revocationsFile?: string;
}

export interface CertificateFacts {
  subject: string;
  serial: string;
  notAfter: Date;
}

export type { CrlFacts };

export interface LoadedTls {
  /** For createServer / updateTls: clientCaPem is the joined trust bundle. */
  material: TlsMaterial;
  certificate: CertificateFacts;
  cas: CertificateFacts[];
  crls: CrlFacts[];
  files: TlsFiles;
}

const facts = (cert: X509Certificate): CertificateFacts => ({
  subject: dnLine(cert.subject),
  serial: serialHex(cert),
  notAfter: new Date(cert.validTo),
});

/**
 * Reads and checks everything before anything is used: the certificate parses and the key is its
 * key, every trust anchor is a CA, every CRL is signed by a trusted CA, and (because OpenSSL then
 * checks revocation for the whole chain) every trusted CA has a CRL. With `inForce` (the material
 * in use, on a reload), a CRL in force is only replaced by a newer one (crl-continuity.ts).
 * Throws PkiError naming the file.
 */
export async function loadTlsMaterial(files: TlsFiles, inForce?: LoadedTls): Promise<LoadedTls> {
  if (files.caFiles.length === 0)
    throw new PkiError('no CA bundle given: peers cannot be verified', { fix: 'pass the CA certificate file(s) peers must chain to' });
  const identity = loadIdentityFiles({ certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFiles[0] });
  const trust = files.caFiles.length === 1 ? { pem: identity.caPem } : loadTrustBundle(files.caFiles, 'clientCaFiles');
  // loadTrustBundle checks several files; one file must hold CAs only too, at start and on every
  // reload: a leaf swapped in would become the only trust anchor and every peer be refused.
  if (files.caFiles.length === 1)
    checkTrustAnchors(
      trust.pem,
      files.caFiles[0],
      'put the CA certificate(s) peers chain to in this file (the one `certrpc pki init` wrote, or a bundle of CAs)',
    );
  const cas = pemBlocks(trust.pem).map((pem) => new X509Certificate(pem));
  const crl = files.crlFile
    ? await loadCrls(files.crlFile, [...cas, ...chainCas(identity.certPem, cas)], files.revocationsFile, inForce?.crls)
    : undefined;
  const material: TlsMaterial = {
    certPem: identity.certPem,
    keyPem: identity.keyPem,
    clientCaPem: trust.pem,
    ...(crl ? { crlPem: crl.pem } : {}),
    ...(crl?.foreignPem ? { foreignCrlPem: crl.foreignPem } : {}),
  };
  try {
    createSecureContext({
      cert: material.certPem,
      key: material.keyPem,
      ca: material.clientCaPem,
      ...(crl ? { crl: [...crlPemBlocks(crl.pem), ...crlPemBlocks(crl.foreignPem)] } : {}),
    });
  } catch (err) {
    throw new PkiError(`OpenSSL refused this material: ${(err as Error).message}`, {
      file: files.certFile,
      fix: 'check that the files are PEM and belong together',
    });
  }
  return { material, certificate: facts(new X509Certificate(identity.certPem)), cas: cas.map(facts), crls: crl?.facts ?? [], files };
}

/**
 * The intermediates of our own chain (NAME.crt after the leaf) that a trusted CA vouches for, by
 * signature. Peers of our CA send the same intermediate, and with CRL checking on, OpenSSL wants its
 * CRL (crl_check_all): it is checked and kept in force like a root's.
 */
function chainCas(certPem: string, anchors: X509Certificate[]): X509Certificate[] {
  const sent = pemBlocks(certPem)
    .slice(1)
    .map((pem) => new X509Certificate(pem))
    .filter((c) => c.ca);
  const vouched: X509Certificate[] = [];
  for (let grew = true; grew;) {
    grew = false;
    for (const c of sent) {
      if (vouched.includes(c)) continue;
      if ([...anchors, ...vouched].some((ca) => c.checkIssued(ca) && c.verify(ca.publicKey))) {
        vouched.push(c);
        grew = true;
      }
    }
  }
  return vouched;
}

async function loadCrls(
  file: string,
  given: X509Certificate[],
  revocationsFile: string | undefined,
  inForce: CrlFacts[] | undefined,
): Promise<{ pem: string; foreignPem?: string; facts: CrlFacts[] } | undefined> {
  // One CA given twice (a trust file named twice, a full chain file that repeats the root or an
  // intermediate) is one CA: as two entries, one would be paired with the CRL and the other refused.
  const cas = given.filter((ca, i) => given.findIndex((other) => other.raw.equals(ca.raw)) === i);
  if (isMissing(file)) {
    checkMissingCrl(file, cas, inForce, revocationsFile);
    return undefined;
  }
  // The CRL code (@peculiar/x509 and its Reflect polyfill, ~3 MB of heap) only where there is a CRL:
  // a server without one never loads it (every MB a server holds costs it in GC, docs/BENCHMARKS.md).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { matchCrlsToCas, parseCrls } = require('../pki/crl') as typeof CrlModule;
  const { x509 } = require('../pki/crypto') as typeof CryptoModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const infos = parseCrls(readUserFile(file, 'CRL file'), file);
  // A CRL of a CA this process does not know (another intermediate under a trusted root, e.g. during
  // an intermediate rotation, or a root written just before its bundle) is handed to OpenSSL as it is:
  // it verifies the signature against the chain a peer sends (a forged one refuses that peer), and
  // uses it only for certificates that name its issuer. certrpc neither keeps it in force across
  // reloads nor revokes open connections by it (TlsMaterial.foreignCrlPem).
  const { matched: byCa, foreign } = await matchCrlsToCas(
    infos,
    cas.map((c) => new x509.X509Certificate(c.raw)),
    file,
  );
  const matched: MatchedCrl[] = byCa.map((m) => ({ crl: m.crl, ca: cas.find((ca) => Buffer.from(m.ca.rawData).equals(ca.raw))! }));
  for (const ca of cas) {
    if (!matched.some((m) => m.ca === ca)) {
      throw new PkiError(
        `no CRL for the trusted CA "${dnLine(ca.subject)}": with revocation checking on, every certificate it signed would be refused`,
        {
          file,
          fix: republishFix(file),
        },
      );
    }
  }
  const facts = matched.map((m): CrlFacts => ({
    issuer: m.crl.issuer,
    caFingerprint: m.ca.fingerprint256,
    crlNumber: m.crl.crlNumber,
    thisUpdate: m.crl.thisUpdate,
    nextUpdate: m.crl.nextUpdate,
    revoked: m.crl.entries.length,
  }));
  checkCrlsNotOlder(file, facts, inForce);
  checkCrlsListRecords(file, matched, cas, revocationsFile);
  return {
    pem: joinPem(matched.map((m) => m.crl.pem)),
    ...(foreign.length > 0 ? { foreignPem: joinPem(foreign.map((f) => f.pem)) } : {}),
    facts,
  };
}

/** The CRLs to enforce on calls and the CAs that sign them (createInterceptor's crlFile). */
export interface RevocationFiles {
  crlFile: string;
  /** The trusted CA certificates (bundle files, joined): every CRL must be signed by one, and each needs a CRL. */
  caFiles: string[];
  /** DIR/revocations.json: revocations on record must be on the CRL. */
  revocationsFile?: string;
}

export interface LoadedRevocation {
  /** The CRLs in force, one per CA; undefined when there is no CRL file (and none was in force). */
  crlPem?: string;
  /** The trusted CAs, joined. */
  caPem: string;
  crls: CrlFacts[];
}

/**
 * The CRL half of loadTlsMaterial, with the same checks and the same continuity rules (a CRL in
 * force is only replaced by a newer one): for a gate behind a TLS listener certrpc does not run.
 */
export async function loadRevocation(files: RevocationFiles, inForce?: LoadedRevocation): Promise<LoadedRevocation> {
  if (files.caFiles.length === 0)
    throw new PkiError('no CA bundle given: the CRL cannot be checked', {
      option: 'clientCaFiles',
      fix: 'give the CA certificate file(s) whose CRLs these are',
    });
  const trust = loadTrustBundle(files.caFiles, 'clientCaFiles');
  const cas = pemBlocks(trust.pem).map((pem) => new X509Certificate(pem));
  const crl = await loadCrls(files.crlFile, cas, files.revocationsFile, inForce?.crls);
  return { crlPem: crl?.pem, caPem: trust.pem, crls: crl?.facts ?? [] };
}

/** The fields of a "reloaded" log line: which certificate, which CAs, which CRLs (never key material). */
export function describeTls(loaded: LoadedTls): Record<string, unknown> {
  return {
    certificate: {
      subject: loaded.certificate.subject,
      serial: loaded.certificate.serial,
      notAfter: loaded.certificate.notAfter.toISOString(),
    },
    cas: loaded.cas.map((c) => `${c.subject} (serial ${c.serial})`),
    crls: loaded.crls.map((c) => ({
      issuer: c.issuer,
      crlNumber: c.crlNumber,
      revoked: c.revoked,
      thisUpdate: c.thisUpdate.toISOString(),
      nextUpdate: c.nextUpdate?.toISOString(),
    })),
  };
}
