// --protoset-out FILE: the schema of what a command listed, described or called, saved as a
// google.protobuf.FileDescriptorSet (the files declaring it and every file they import, imports
// first), which --protoset reads back against a server without reflection.
import { existsSync } from 'node:fs';
import { encodeDescriptorSet } from '../../client/protoset-files';
import { PkiError } from '../../pki/errors';
import type { Schema, SchemaElement } from '../../client/schema';
import { writeFileAtomic } from '../../store/atomic-write';
import { plural } from './verbose';

/** Writes the set (whole or not at all; an existing file only with --force); returns what it wrote, for -v. */
export function writeProtoset(schema: Schema, elements: SchemaElement[], path: string, force: boolean): string {
  const files = schema.descriptorSet(elements);
  writeFileAtomic(path, Buffer.from(encodeDescriptorSet(files)), { overwrite: force });
  return plural(files.length, 'file');
}

/** Before connecting: a file that would be refused at the end is refused now, before any output. */
export function checkProtosetOut(path: string | undefined, force: boolean): void {
  if (path && !force && existsSync(path))
    throw new PkiError('already exists; nothing was written', {
      file: path,
      code: 'EXISTS',
      fix: 'replace it (force), or choose another name',
    });
}
