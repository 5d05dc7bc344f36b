// PKCS#12 (.p12/.pfx) for tools that want one file in that format (browsers, Java keystores,
// Windows, macOS Keychain).
//
// Made by the openssl CLI, not in JavaScript: PKCS#12 is key-encryption plus MAC plumbing that
// certrpc must not hand-roll, and the npm options are either a large pure-JS crypto stack added for
// one export format (node-forge, whose pkcs12 defaults to 3DES/SHA-1) or a low-level ASN.1 kit
// (pkijs) that leaves the assembly to us. OpenSSL 3 is the reference implementation, defaults to
// AES-256-CBC + PBKDF2 with a SHA-256 MAC, and is on every machine that runs nginx or curl.
// openssl reads the identity's own files (no copy of the key is made) and gets the password in
// its environment, never in argv (visible in ps); the result comes back on stdout.
import { spawnSync } from 'node:child_process';
import { PkiError } from '../pki/errors';

export interface Pkcs12Input {
  certFile: string;
  keyFile: string;
  /** CA certificates to include. */
  caFile: string;
  /** Friendly name shown by keystores. */
  name: string;
  /** Empty string for a file without a password (some tools refuse those). */
  password: string;
}

const PASSWORD_VARIABLE = 'CERTRPC_P12_PASSWORD_FOR_OPENSSL';

/** DER bytes of a PKCS#12 file with the certificate, its key and the CA certificates. */
export function exportPkcs12(input: Pkcs12Input, openssl = 'openssl'): Buffer {
  const args = [
    'pkcs12',
    '-export',
    '-in',
    input.certFile,
    '-inkey',
    input.keyFile,
    '-certfile',
    input.caFile,
    '-name',
    input.name,
    '-passout',
    `env:${PASSWORD_VARIABLE}`,
  ];
  const result = spawnSync(openssl, args, {
    env: { ...process.env, [PASSWORD_VARIABLE]: input.password },
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 16 * 1024 * 1024,
    timeout: 30_000,
  });
  if (result.error) {
    const missing = (result.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new PkiError(
      missing ? 'PKCS#12 export needs the openssl command, and it is not installed' : `openssl failed to start: ${result.error.message}`,
      {
        option: 'p12',
        fix: missing
          ? 'install OpenSSL (Debian/Ubuntu: apt-get install openssl), or use the PEM bundle, which nginx, curl and openssl read as it is'
          : 'check that openssl runs',
      },
    );
  }
  if (result.status !== 0 || result.stdout.length === 0) {
    throw new PkiError(`openssl pkcs12 -export failed: ${result.stderr.toString().trim().split('\n')[0] || `exit ${result.status}`}`, {
      option: 'p12',
      fix: 'check the identity with certrpc cert verify, and that openssl pkcs12 works on this machine',
    });
  }
  return result.stdout;
}
