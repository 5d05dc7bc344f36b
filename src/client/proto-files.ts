// Schema from .proto files (`--proto FILE... --import-path DIR...`), for servers without
// reflection. proto-loader (protobufjs) parses them into the same descriptors reflection returns.
import { loadSync, PackageDefinition } from '@grpc/proto-loader';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { PkiError } from '../pki/errors';
import type { SchemaSource } from './schema';
import { descriptorSetSource } from './descriptor-set-source';

/** Parses the files (names relative to an import path or to the working directory). */
export function protoFilesSchemaSource(files: string[], importPaths: string[] = []): SchemaSource {
  return descriptorSetSource(`the .proto files (${files.join(', ')})`, protoFileDescriptors(files, importPaths));
}

/** The serialized FileDescriptorProtos of the files and their imports, as proto-loader makes them (a name may repeat). */
export function protoFileDescriptors(files: string[], importPaths: string[] = []): Uint8Array[] {
  for (const dir of importPaths) {
    if (!existsSync(dir))
      throw new PkiError('import path not found', {
        file: dir,
        option: 'importPaths',
        code: 'IMPORT_PATH_NOT_FOUND',
        fix: 'give importPaths the directory your .proto imports are relative to',
      });
  }
  for (const file of files) {
    const found = existsSync(file) || (!isAbsolute(file) && importPaths.some((dir) => existsSync(join(dir, file))));
    if (!found)
      throw new PkiError('proto file not found', {
        file,
        code: 'PROTO_NOT_FOUND',
        fix: 'check the path, or add the directory it is relative to to importPaths',
      });
  }
  let definition: PackageDefinition;
  try {
    // keepCase: the descriptors must carry the field names as written (proto-loader camel-cases by default).
    definition = loadSync(files, { includeDirs: importPaths, keepCase: true });
  } catch (err) {
    throw new PkiError(`cannot parse the proto files: ${(err as Error).message}`, {
      file: files.join(', '),
      code: 'PROTO_SYNTAX',
      fix: 'fix the syntax error, or add the directory its imports are relative to to importPaths',
    });
  }
  return Object.values(definition).flatMap((entry) => (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos ?? []);
}
