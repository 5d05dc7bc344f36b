// Trust anchors from CA certificate files (serve --client-ca, --cacert): read, checked, joined into one
// PEM bundle. A server's client CAs are independent of the CA that issued its own certificate.
import { parseCertificateBundle } from '../pki/pem';
import { PkiError } from '../pki/errors';
import { readUserFile } from './read-file';

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

/** Reads each file; every certificate in it must be a CA (a leaf certificate cannot vouch for anyone). */
export function loadTrustBundle(files: string[], option: string): TrustBundle {
  const pems: string[] = [];
  const subjects: string[] = [];
  for (const file of files) {
    const pem = readUserFile(file, 'CA certificate', option);
    for (const cert of parseCertificateBundle(pem, file)) {
      const subject = cert.subject.replace(/\n/g, ', ');
      if (!cert.ca) {
        throw new PkiError(`"${subject}" is not a CA certificate (no basicConstraints CA:TRUE), so it cannot vouch for other certificates`, {
          file,
          option,
          code: 'NOT_A_CA',
          fix: `give ${option} the CA certificate that signed the certificates to trust (e.g. DIR/ca.crt or DIR/cas/NAME/ca.crt)`,
        });
      }
      subjects.push(subject);
    }
    pems.push(pem);
  }
  return { pem: joinPem(pems), subjects };
}
