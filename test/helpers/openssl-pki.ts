// Keys, CSRs and certificates made by openssl (an independent peer: certrpc's own PKI code is not
// involved), for suites that need subjects and extensions certrpc never issues. Every key is EC
// P-256, unencrypted; files are written as DIR/NAME.key, .csr, .ext, .crt.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from './tools';

const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** Runs openssl (no shell); throws with its stderr when it fails. */
export function openssl(...args: string[]): string {
  return execFileSync(requireTool('openssl'), args, { stdio: 'pipe' }).toString();
}

export interface OpensslFiles {
  keyFile: string;
  certFile: string;
  keyPem: string;
  certPem: string;
}

export interface OpensslCsr {
  keyFile: string;
  csrFile: string;
}

const files = (dir: string, name: string) => ({
  keyFile: join(dir, `${name}.key`),
  csrFile: join(dir, `${name}.csr`),
  extFile: join(dir, `${name}.ext`),
  certFile: join(dir, `${name}.crt`),
});

function read(keyFile: string, certFile: string): OpensslFiles {
  return { keyFile, certFile, keyPem: readFileSync(keyFile, 'utf8'), certPem: readFileSync(certFile, 'utf8') };
}

/** `openssl req -x509`: a new key and a self-signed certificate for `subject` (openssl's /K=V form), each `-addext` as given. */
export function opensslSelfSigned(
  dir: string,
  name: string,
  subject: string,
  options: { days?: number; addext?: string[] } = {},
): OpensslFiles {
  const { keyFile, certFile } = files(dir, name);
  openssl(
    'req',
    '-x509',
    ...NEW_EC_KEY,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(options.days ?? 2),
    '-subj',
    subject,
    ...(options.addext ?? []).flatMap((ext) => ['-addext', ext]),
  );
  return read(keyFile, certFile);
}

/** `openssl req -new`: a new key and a CSR for `subject` (openssl's /K=V form), each `-addext` as given. */
export function opensslCsr(dir: string, name: string, subject: string, addext: string[] = []): OpensslCsr {
  const { keyFile, csrFile } = files(dir, name);
  openssl(
    'req',
    '-new',
    ...NEW_EC_KEY,
    '-keyout',
    keyFile,
    '-out',
    csrFile,
    '-subj',
    subject,
    ...addext.flatMap((ext) => ['-addext', ext]),
  );
  return { keyFile, csrFile };
}

/**
 * A new key and CSR for `subject`, then `openssl x509 -req` signed by the CA in `ca` with exactly the
 * extension lines given (an -extfile); `serial` as openssl takes it (default: openssl's random one).
 */
export function opensslSigned(
  dir: string,
  name: string,
  subject: string,
  ca: { certFile: string; keyFile: string },
  extensions: string[],
  options: { days?: number; serial?: string } = {},
): OpensslFiles {
  const { keyFile, csrFile, extFile, certFile } = files(dir, name);
  opensslCsr(dir, name, subject);
  writeFileSync(extFile, extensions.join('\n') + '\n');
  openssl(
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    ...(options.serial ? ['-set_serial', options.serial] : []),
    '-days',
    String(options.days ?? 2),
    '-extfile',
    extFile,
    '-out',
    certFile,
  );
  return read(keyFile, certFile);
}
