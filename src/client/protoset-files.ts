// Schema from descriptor sets (`--protoset FILE...`): a google.protobuf.FileDescriptorSet, as
// `protoc --descriptor_set_out=FILE --include_imports` or `certrpc list ADDR --protoset-out FILE`
// write it, for servers without reflection. Nothing to parse but the set itself: no protobufjs.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { PkiError } from '../pki/errors';
import { readUserBytes } from '../store/read-file';
import { descriptorSetSource } from './descriptor-set-source';
import type { SchemaSource } from './schema';

const MAKE_ONE =
  'write one with `protoc --include_imports --descriptor_set_out=FILE x.proto`, or save the schema a server with reflection describes';

export function protosetSchemaSource(paths: string[]): SchemaSource {
  const files: Uint8Array[] = [];
  for (const path of paths) {
    const bytes = readUserBytes(path, 'descriptor set', 'protosets');
    let set;
    try {
      set = fromBinary(FileDescriptorSetSchema, bytes);
    } catch (err) {
      throw new PkiError(`not a FileDescriptorSet (binary google.protobuf.FileDescriptorSet): ${(err as Error).message}`, {
        file: path,
        code: 'PROTOSET_INVALID',
        fix: MAKE_ONE,
      });
    }
    if (set.file.length === 0 || set.file.some((f) => !f.name)) {
      throw new PkiError(set.file.length === 0 ? 'the descriptor set holds no files' : 'the descriptor set holds a file without a name', {
        file: path,
        code: 'PROTOSET_INVALID',
        fix: MAKE_ONE,
      });
    }
    files.push(...set.file.map((f) => toBinary(FileDescriptorProtoSchema, f)));
  }
  return descriptorSetSource(`the descriptor sets (${paths.join(', ')})`, files);
}

/** The bytes of a FileDescriptorSet holding these files, in the order given. */
export function encodeDescriptorSet(files: FileDescriptorProto[]): Uint8Array {
  return toBinary(FileDescriptorSetSchema, create(FileDescriptorSetSchema, { file: files }));
}
