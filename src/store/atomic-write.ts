import { closeSync, existsSync, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { PkiError } from '../pki/errors';

export interface WriteOptions {
  /** File mode; private keys are 0o600. */
  mode?: number;
  /** Replace an existing file. Without it an existing file is an error and stays as it was. */
  overwrite?: boolean;
}

/**
 * Writes a whole file or nothing: the bytes go to a temporary file in the same directory (created
 * with the final mode, so a key is never readable by others even for a moment), are fsynced, then
 * moved into place. Without `overwrite`, link(2) moves it: it fails if the target exists, so two
 * writers cannot both win.
 */
export function writeFileAtomic(path: string, data: string | Buffer, options: WriteOptions = {}): void {
  const mode = options.mode ?? 0o644;
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (options.overwrite) {
      renameSync(tmp, path);
    } else {
      linkSync(tmp, path);
      unlinkSync(tmp);
    }
  } catch (err) {
    unlinkSync(tmp);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new PkiError('already exists; nothing was written', {
        file: path,
        code: 'EXISTS',
        fix: 'replace it (force), or choose another name',
      });
    }
    throw err;
  }
  syncDirectory(dirname(path));
}

/** The check writeFileAtomic makes without `overwrite`, made early: before work whose result would be lost. */
export function refuseExistingFile(path: string): void {
  if (existsSync(path))
    throw new PkiError('already exists; nothing was written', {
      file: path,
      code: 'EXISTS',
      fix: 'replace it (force), or choose another name',
    });
}

/** Makes the rename itself durable (a crash right after cannot bring back the old file). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the data itself is already synced.
  }
}
