// The light half of the certs/ directory: how names map to files, and loading one identity's
// files with their checks. node:crypto only, so commands that merely read an identity (certrpc
// call, list, doctor) start without the PKI's x509/WebCrypto stack; pki-dir.ts re-exports all of it.
import { refuseCaAsIdentity } from '../pki/ca-as-identity';
import { keyMatchesCertificate } from '../pki/key-match';
import { PkiError } from '../pki/errors';
import { parseCertificateBundle } from '../pki/pem';
import { readUserFile } from './read-file';

export const DEFAULT_PKI_DIR = 'certs';
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A certificate, its key and the CA bundle to verify peers with: everything one side of mTLS needs. */
export interface IdentityFiles {
  name: string;
  certPem: string;
  keyPem: string;
  caPem: string;
  certFile: string;
  keyFile: string;
  caFile: string;
}

/** Whether NAME may name an identity: it becomes the file names NAME.crt and NAME.key. */
export function isValidName(name: string): boolean {
  // "ca" and "ca-<hex serial>" are taken by the CA's own files (ca.crt, ca-SERIAL.key after a rotation).
  return NAME.test(name) && name !== 'ca' && !/^ca-[0-9a-f]+$/.test(name);
}

export function checkName(name: string, what = 'NAME'): string {
  if (!isValidName(name)) {
    throw new PkiError(`invalid name "${name}"`, {
      option: what,
      fix: 'use 1-64 letters, digits, ".", "_" or "-" (it becomes the file name NAME.crt/NAME.key; "ca" is reserved)',
    });
  }
  return name;
}

/** Loads an identity from explicit paths (--cert/--key/--cacert), with the same checks. */
export function loadIdentityFiles(files: { name?: string; certFile: string; keyFile: string; caFile: string }): IdentityFiles {
  const certPem = readUserFile(files.certFile, 'certificate', 'certFile');
  const keyPem = readUserFile(files.keyFile, 'private key', 'keyFile');
  const caPem = readUserFile(files.caFile, 'CA certificate', 'caFile');
  refuseCaAsIdentity(parseCertificateBundle(certPem, files.certFile)[0], files.certFile);
  parseCertificateBundle(caPem, files.caFile);
  let matches: boolean;
  try {
    matches = keyMatchesCertificate(keyPem, certPem);
  } catch (err) {
    throw new PkiError(`not a readable private key: ${(err as Error).message}`, {
      file: files.keyFile,
      fix: 'point at the PEM private key that belongs to the certificate',
    });
  }
  if (!matches) {
    throw new PkiError(`the private key does not belong to the certificate ${files.certFile}`, {
      file: files.keyFile,
      fix: 'use the key created together with that certificate, or re-issue the pair',
    });
  }
  return { name: files.name ?? files.certFile, certPem, keyPem, caPem, ...files };
}
