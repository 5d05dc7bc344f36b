import { readFileSync } from 'node:fs';
import { PkiError } from '../pki/errors';

/**
 * Reads a text file the user pointed at, turning ENOENT/EACCES into errors that say what to do.
 * `option` names the option that gave the path (the CLI words it as its flag).
 */
export function readUserFile(path: string, what: string, option?: string): string {
  return explained(() => readFileSync(path, 'utf8'), path, what, option);
}

/** readUserFile for binary files (descriptor sets): the same errors. */
export function readUserBytes(path: string, what: string, option?: string): Buffer {
  return explained(() => readFileSync(path), path, what, option);
}

function explained<T>(read: () => T, path: string, what: string, option?: string): T {
  try {
    return read();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new PkiError(`${what} not found`, {
        file: path,
        option,
        code: 'FILE_NOT_FOUND',
        fix: option ? `check ${option}, or create it first` : 'check the path, or create it first',
      });
    }
    if (code === 'EACCES') {
      throw new PkiError(`${what} is not readable by this user`, {
        file: path,
        fix: `fix its permissions (e.g. chmod 600 ${path}) or run as its owner`,
      });
    }
    if (code === 'EISDIR') throw new PkiError(`${what} is a directory, not a file`, { file: path, fix: 'point at the file inside it' });
    throw new PkiError(`cannot read ${what}: ${(err as Error).message}`, { file: path });
  }
}
