// Schema from .proto files (`--proto FILE... --import-path DIR...`), for servers without
// reflection. proto-loader (protobufjs) parses them into the same descriptors reflection returns.
import { loadSync, PackageDefinition } from '@grpc/proto-loader';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProto, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { PkiError } from '../pki/errors';
import type { SchemaSource } from './schema';

/** Parses the files (names relative to an import path or to the working directory). */
export function protoFilesSchemaSource(files: string[], importPaths: string[] = []): SchemaSource {
  for (const dir of importPaths) {
    if (!existsSync(dir)) throw new PkiError('import path not found', { file: dir, option: 'importPaths', code: 'IMPORT_PATH_NOT_FOUND', fix: 'give importPaths the directory your .proto imports are relative to' });
  }
  for (const file of files) {
    const found = existsSync(file) || (!isAbsolute(file) && importPaths.some((dir) => existsSync(join(dir, file))));
    if (!found) throw new PkiError('proto file not found', { file, code: 'PROTO_NOT_FOUND', fix: 'check the path, or add the directory it is relative to to importPaths' });
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
  const byName = new Map<string, Uint8Array>();
  for (const entry of Object.values(definition)) {
    for (const bytes of (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos ?? []) {
      const name = fromBinary(FileDescriptorProtoSchema, bytes).name;
      if (!byName.has(name)) byName.set(name, bytes);
    }
  }
  const decoded: FileDescriptorProto[] = [...byName.values()].map((b) => fromBinary(FileDescriptorProtoSchema, b));
  const services = decoded.flatMap((f) => f.service.map((s) => (f.package ? `${f.package}.${s.name}` : s.name)));
  const declares = (file: FileDescriptorProto, symbol: string) => {
    const prefix = file.package ? `${file.package}.` : '';
    const top = [...file.messageType, ...file.enumType, ...file.service].map((d) => prefix + d.name);
    return top.some((name) => symbol === name || symbol.startsWith(`${name}.`));
  };
  return {
    name: `the --proto files (${files.join(', ')})`,
    listServices: async () => services,
    filesForSymbol: async (symbol) => {
      const file = decoded.find((f) => declares(f, symbol));
      return file ? [byName.get(file.name)!] : undefined;
    },
    fileByName: async (name) => (byName.has(name) ? [byName.get(name)!] : undefined),
  };
}
