// What `cert inspect` and `cert needs-renewal` are given: certificates (PEM, a chain or bundle, or
// one DER certificate) or a certificate signing request (PEM or DER). Decided by content, not by
// the file name; a PEM block of any other kind (a private key!) is named by its label, never shown.
import { X509Certificate } from 'node:crypto';
import { parseCertificate } from './ca';
import { x509 } from './crypto';
import { PkiError } from './errors';
import { parseCertificateBundle, pemBlocks } from './pem';

export type InputFormat = 'PEM' | 'DER';

export interface CertificatesInput {
  kind: 'certificates';
  format: InputFormat;
  pems: string[];
  certificates: X509Certificate[];
}

export interface CsrInput {
  kind: 'csr';
  format: InputFormat;
  pem: string;
}

const CSR_BLOCK = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----[\s\S]+?-----END (?:NEW )?CERTIFICATE REQUEST-----/;
const ANY_LABEL = /-----BEGIN ([A-Z0-9 ]{1,40})-----/;

export function readInspectInput(bytes: Buffer, file?: string): CertificatesInput | CsrInput {
  const text = bytes.toString('utf8');
  if (text.includes('-----BEGIN CERTIFICATE-----')) {
    parseCertificate(text, file); // the first one's problem, as every command words it
    return { kind: 'certificates', format: 'PEM', certificates: parseCertificateBundle(text, file), pems: pemBlocks(text) };
  }
  const csr = CSR_BLOCK.exec(text);
  if (csr) return { kind: 'csr', format: 'PEM', pem: `${csr[0]}\n` };
  const label = ANY_LABEL.exec(text)?.[1];
  if (label) {
    throw new PkiError(
      `a PEM file holding ${/PRIVATE KEY/.test(label) ? 'a private key' : `"${label}"`}, not a certificate or a certificate signing request`,
      {
        file,
        fix: 'point at the certificate (.crt) or the request (.csr); a private key stays where it is',
      },
    );
  }
  try {
    const cert = new X509Certificate(bytes);
    return { kind: 'certificates', format: 'DER', certificates: [cert], pems: [cert.toString()] };
  } catch {
    // not a DER certificate; perhaps a DER request
  }
  try {
    return { kind: 'csr', format: 'DER', pem: `${new x509.Pkcs10CertificateRequest(new Uint8Array(bytes)).toString('pem')}\n` };
  } catch {
    throw new PkiError('neither a certificate nor a certificate signing request, in PEM or DER', {
      file,
      fix: 'point at a certificate (.crt, .pem, .der) or a request (.csr); the file may be damaged',
    });
  }
}

/** Certificates only: a CSR is refused, naming what it is. */
export function readCertificateInput(bytes: Buffer, file?: string): CertificatesInput {
  const input = readInspectInput(bytes, file);
  if (input.kind === 'csr') {
    throw new PkiError('a certificate signing request, not a certificate', {
      file,
      fix: 'point at the certificate the CA signed from it (.crt)',
    });
  }
  return input;
}
