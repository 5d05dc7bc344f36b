// Checks `certrpc serve` and `certrpc proxy` make on their own files before binding: mistakes that
// would otherwise surface as every client failing its handshake, or as a key lying open on disk.
// One preflight for both, so a check added here protects every listener.
import { X509Certificate } from 'node:crypto';
import type { Logger } from '../log/logger';
import { PkiError } from '../pki/errors';
import { parseCertificateBundle } from '../pki/pem';
import { ekuAllows, ekuName } from '../pki/profiles';
import { checkPrivateKeyPermissions } from '../store/key-file-permissions';
import { PkiDir } from '../store/pki-dir';
import { readUserFile } from '../store/read-file';
import { checkTrustAnchors } from '../store/trust-bundle';
import { dnLine } from '../pki/distinguished-name';

/**
 * Throws PkiError (file + fix) when NAME.key is not private, NAME.crt is not a server certificate,
 * or (without --client-ca) DIR/ca.crt holds something other than CA certificates. `role` names
 * the process in messages.
 */
export function preflightServerIdentity(
  pki: PkiDir,
  name: string,
  logger: Logger,
  clientCaFiles?: string[],
  role: 'server' | 'proxy' = 'server',
): void {
  if (!clientCaFiles?.length) checkCaFile(pki.caCertFile);
  const warning = checkPrivateKeyPermissions(pki.keyFile(name), `the ${role} private key`);
  if (warning) logger.warn({ file: pki.keyFile(name) }, warning);
  const certFile = pki.certFile(name);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readUserFile(certFile, 'certificate', '--name'));
  } catch {
    return; // not a certificate at all: loading reports it, naming the file
  }
  // Node's keyUsage is the extended key usage list; undefined when the certificate has none (any use).
  if (!ekuAllows(cert.keyUsage, 'server')) {
    throw new PkiError(
      `"${dnLine(cert.subject)}" is not a server certificate (its extended key usage is ${cert.keyUsage!.map(ekuName).join(', ')}, not serverAuth): clients would refuse it`,
      {
        file: certFile,
        fix: `issue a server certificate and serve with it: certrpc cert issue ${name === 'server' ? 'server' : 'NAME'} --server --san DNS:HOST --dir ${pki.dir}`,
      },
    );
  }
}

/** A leaf in ca.crt would be trusted as an anchor and vouch for nobody: every client would be refused. */
function checkCaFile(file: string): void {
  let pem: string;
  try {
    pem = readUserFile(file, 'CA certificate', '--dir');
    parseCertificateBundle(pem, file);
  } catch {
    return; // missing or unreadable: loading reports it with its fix
  }
  checkTrustAnchors(
    pem,
    file,
    'put the CA certificate back (the one `certrpc pki init` wrote, or a bundle of CAs), or trust another CA with --client-ca FILE',
  );
}
