// A CA certificate is never anyone's identity. It is trusted by everyone, so a process holding it
// with its key (ca.crt + ca.key as --cert/--key, or as a server's own pair) carries the key that
// can mint any identity: refused wherever an identity is loaded, and by servers at the handshake.
// node:crypto only: identity loading must not pull in the x509 stack (certrpc call start-up).
import { X509Certificate } from 'node:crypto';
import { PkiError } from './errors';
import { dnLine } from './distinguished-name';

/** Throws when the leaf is a CA certificate (basicConstraints CA:TRUE). */
export function refuseCaAsIdentity(leaf: X509Certificate | string, file?: string): void {
  const cert = typeof leaf === 'string' ? new X509Certificate(leaf) : leaf;
  if (!cert.ca) return;
  throw new PkiError(
    `"${dnLine(cert.subject)}" is a CA certificate (basicConstraints CA:TRUE), not an identity: a CA signs identities, and its key must not travel with one`,
    {
      file,
      code: 'CA_AS_IDENTITY',
      fix: 'issue an identity (a client or server certificate) and use that; keep the CA key on the CA host only',
    },
  );
}
