// What DIR/crl.pem says now: each CRL in it whose signature a CA of the directory verifies. Used
// where crl.pem is a source of truth beside DIR/revocations.json: publishing (a new CRL never drops
// an entry or goes back in number, even when revocations.json was lost), and the revocation status
// `cert list`, `cert verify`, `cert inspect` and `doctor` report.
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { CrlInfo, matchCrlsToCas, parseCrls } from '../pki/crl';
import { x509 } from '../pki/crypto';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';

export interface KnownCa {
  serial: string;
  cert: X509Certificate;
}

export interface PublishedCrl<C extends KnownCa = KnownCa> {
  crl: CrlInfo;
  /** The CA whose signature it carries. */
  ca: C;
}

/**
 * The CRLs of `file` signed by one of `cas` (CRLs of other CAs are left out); undefined when there
 * is no file. Throws PkiError (file + fix) when it is damaged, or names a CA whose signature fails.
 */
export async function readPublishedCrls<C extends KnownCa>(file: string, cas: C[]): Promise<PublishedCrl<C>[] | undefined> {
  if (!existsSync(file)) return undefined;
  const infos = parseCrls(readUserFile(file, 'CRL file'), file);
  const { matched } = await matchCrlsToCas(
    infos,
    cas.map((c) => new x509.X509Certificate(c.cert.raw)),
    file,
  );
  return matched.map((m) => ({ crl: m.crl, ca: cas.find((c) => Buffer.from(m.ca.rawData).equals(c.cert.raw))! }));
}

/** DIR/crl.pem against the directory's CAs. */
export function readDirCrls<C extends KnownCa>(pki: PkiDir, cas: C[]): Promise<PublishedCrl<C>[] | undefined> {
  return readPublishedCrls(pki.crlFile, cas);
}
