// Before any worker starts: the run directory every test helper writes logs and key records to.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_DIR_ENV } from './helpers/test-run';

export default function globalSetup(): void {
  // Workers inherit the environment, so every suite (two at a time) writes into the same run.
  process.env[RUN_DIR_ENV] = mkdtempSync(join(tmpdir(), 'certrpc-test-run-'));
}
