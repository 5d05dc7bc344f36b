import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerKeysIn } from './test-run';

/** A fresh directory per suite; removed by the returned cleanup. */
export function tempDir(prefix = 'certrpc-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: () => {
      // Remember the keys made here: the end-of-run check greps every log for them.
      registerKeysIn(dir);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
