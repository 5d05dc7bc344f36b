// A server's private key file must be readable by its owner and by nobody else. Checked from the
// mode bits, not by trying to read: root reads a mode-0000 file without complaint, and a key that
// every local user can read is a leaked key whether or not certrpc can read it.
import { statSync } from 'node:fs';
import { PkiError } from '../pki/errors';

const octal = (mode: number) => (mode & 0o777).toString(8).padStart(4, '0');

/** Throws PkiError for a key that its owner cannot read or that other users can; returns a warning for a group-readable one. */
export function checkPrivateKeyPermissions(path: string, what = 'private key'): string | undefined {
  if (process.platform === 'win32') return undefined;
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch {
    return undefined; // missing or unreachable: the reader reports it with its own fix
  }
  if ((mode & 0o400) === 0) {
    throw new PkiError(`${what} is not readable by its owner (mode ${octal(mode)})`, {
      file: path,
      fix: `chmod 600 ${path} (and chown it to the user certrpc runs as)`,
    });
  }
  if ((mode & 0o007) !== 0) {
    throw new PkiError(`${what} is accessible to every user on this machine (mode ${octal(mode)}); refusing to use it`, {
      file: path,
      fix: `chmod 600 ${path}, and replace the key (certrpc cert renew) if others may have copied it`,
    });
  }
  if ((mode & 0o070) !== 0)
    return `${what} ${path} is readable by its group (mode ${octal(mode)}); chmod 600 it unless the group is meant to share it`;
  return undefined;
}
