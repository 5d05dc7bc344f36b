// Trust anchors from CA certificate files (serve --client-ca, --cacert): read, checked, joined into one
// PEM bundle. A server's client CAs are independent of the CA that issued its own certificate.
import type { X509Certificate } from 'node:crypto';
import { parseCertificateBundle } from '../pki/pem';
import { PkiError } from '../pki/errors';
import { readUserFile } from './read-file';
import { dnLine } from '../pki/distinguished-name';

export interface TrustBundle {
  /** Every CA certificate, one PEM block after another, each ending with a newline. */
  pem: string;
  /** "CN=..." of each CA, for the start-up log and messages. */
  subjects: string[];
}

/**
 * Joins PEM texts so each block starts on its own line. certrpc's PEM files end without a newline,
 * and OpenSSL silently drops a certificate glued to the previous END line: plain `a + b` breaks trust.
 */
export function joinPem(pems: string[]): string {
  return pems.map((p) => `${p.trim()}\n`).join('');
}

/**
 * THE check that a trust bundle holds CA certificates only, for servers (DIR/ca.crt, --client-ca, at
 * start and on every reload) and clients (--cacert, DIR/ca.crt) alike. A leaf certificate there is an
 * anchor that vouches for nobody, so every peer would be refused with a baffling TLS error; say so
 * here, naming the file, with the fix for where it came from. Returns the parsed certificates.
 */
export function checkTrustAnchors(
  pem: string,
  file: string,
  fix: string,
  context: { option?: string; code?: string } = {},
): X509Certificate[] {
  const certs = parseCertificateBundle(pem, file);
  const leaf = certs.find((c) => !c.ca);
  if (leaf) {
    throw new PkiError(
      `"${dnLine(leaf.subject)}" is not a CA certificate (no basicConstraints CA:TRUE), so it cannot vouch for other certificates`,
      { file, fix, ...context },
    );
  }
  return certs;
}

/** Reads each file; every certificate in it must be a CA (a leaf certificate cannot vouch for anyone). */
export function loadTrustBundle(files: string[], option: string): TrustBundle {
  const pems: string[] = [];
  const subjects: string[] = [];
  for (const file of files) {
    const pem = readUserFile(file, 'CA certificate', option);
    const fix = `give ${option} the CA certificate that signed the certificates to trust (e.g. DIR/ca.crt or DIR/cas/NAME/ca.crt)`;
    for (const cert of checkTrustAnchors(pem, file, fix, { option, code: 'NOT_A_CA' })) subjects.push(dnLine(cert.subject));
    pems.push(pem);
  }
  return { pem: joinPem(pems), subjects };
}
