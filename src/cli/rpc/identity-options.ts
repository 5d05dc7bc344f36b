// Which certificate, key and CA a client uses, from the flags every calling command shares
// (--identity NAME | --cert/--key, --cacert, --dir, --server-id). One place, so new ways to name an
// identity (bundle files, ...) are added once for list, describe, call and doctor alike.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PkiError } from '../../pki/errors';
import { checkName, DEFAULT_PKI_DIR, loadIdentityFiles } from '../../store/pki-names';
import { isBundleReference, readBundleFile } from '../../store/identity-bundle';
import { readUserFile } from '../../store/read-file';
import { checkTrustAnchors } from '../../store/trust-bundle';
import { ClientTlsMaterial } from '../../tls/client-credentials';

export interface IdentityOptions {
  /** NAME: DIR/NAME.crt, DIR/NAME.key, trusting DIR/ca.crt; or a bundle file path (certrpc bundle export). */
  identity?: string;
  /** The PKI directory (default: certs). */
  dir?: string;
  /** CA bundle the server must chain to (default DIR/ca.crt). */
  cacert?: string;
  cert?: string;
  key?: string;
  /** Verify the server as this URI SAN or DNS name instead of the dialed host. */
  serverId?: string;
}

export interface ResolvedIdentity {
  tls: ClientTlsMaterial;
  /** For messages: "alice (certs/alice.crt)", or "no client certificate". */
  description: string;
}

/** Reads and checks the files the options name; throws PkiError naming the file or flag and the fix. */
export function resolveIdentity(options: IdentityOptions): ResolvedIdentity {
  const dir = resolve(options.dir ?? DEFAULT_PKI_DIR);
  if (options.identity && (options.cert || options.key)) {
    throw new PkiError('--identity and --cert/--key both name a certificate', {
      option: '--identity',
      fix: 'use --identity NAME, or --cert FILE --key FILE, not both',
    });
  }
  if (Boolean(options.cert) !== Boolean(options.key)) {
    throw new PkiError('--cert and --key go together', {
      option: options.cert ? '--key' : '--cert',
      fix: 'pass both the certificate and its private key',
    });
  }
  const caFile = options.cacert ?? join(dir, 'ca.crt');
  // A leaf as the trust anchor would fail every handshake with a misleading "not signed by a CA you
  // trust"; the one trust-bundle check says which file and what to put there instead.
  const caFix = options.cacert
    ? `point --cacert at the CA certificate that signed the server's certificate (e.g. ${join(dir, 'ca.crt')}), not a server or client certificate`
    : `put the CA certificate back in ${caFile} (the one \`certrpc pki init\` wrote), or point --cacert at the CA certificate that signed the server's certificate`;
  if (options.identity && isBundleReference(options.identity)) {
    // A bundle file (certrpc bundle export) carries its own trust (parseBundle checks it); --cacert still overrides it.
    const bundle = readBundleFile(options.identity);
    const caPem = options.cacert ? readUserFile(options.cacert, 'CA certificate', '--cacert') : bundle.caPem;
    if (options.cacert) checkTrustAnchors(caPem, options.cacert, caFix);
    return {
      tls: { caPem, certPem: bundle.certPem, keyPem: bundle.keyPem, serverId: options.serverId },
      description: `${bundle.name} (bundle ${options.identity})`,
    };
  }
  if (options.identity) {
    const name = checkName(options.identity, '--identity');
    const certFile = join(dir, `${name}.crt`);
    if (!existsSync(certFile)) {
      throw new PkiError(`no identity named "${name}" in ${dir}`, {
        file: certFile,
        fix: `issue it with: certrpc cert issue ${name} --client --dir ${dir} (or point --dir / CERTRPC_DIR at the directory that has it)`,
      });
    }
    const files = loadIdentityFiles({ name, certFile, keyFile: join(dir, `${name}.key`), caFile });
    checkTrustAnchors(files.caPem, caFile, caFix);
    return {
      tls: { caPem: files.caPem, certPem: files.certPem, keyPem: files.keyPem, serverId: options.serverId },
      description: `${name} (${certFile})`,
    };
  }
  if (options.cert && options.key) {
    const files = loadIdentityFiles({ certFile: options.cert, keyFile: options.key, caFile });
    checkTrustAnchors(files.caPem, caFile, caFix);
    return {
      tls: { caPem: files.caPem, certPem: files.certPem, keyPem: files.keyPem, serverId: options.serverId },
      description: options.cert,
    };
  }
  const caPem = readUserFile(caFile, 'CA certificate', options.cacert ? '--cacert' : '--dir');
  checkTrustAnchors(caPem, caFile, caFix);
  return { tls: { caPem, serverId: options.serverId }, description: 'no client certificate' };
}
