// A schema source over descriptors already in hand: the files protoc wrote into a descriptor set
// (`--protoset`), or those proto-loader made from .proto files (`--proto`). Answers what reflection
// answers: the services, the file declaring a symbol, a file by name.
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProto, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { SchemaSource } from './schema';

/** `files`: serialized FileDescriptorProtos; the first of a name wins. */
export function descriptorSetSource(name: string, files: Iterable<Uint8Array>): SchemaSource {
  const byName = new Map<string, Uint8Array>();
  const decoded: FileDescriptorProto[] = [];
  for (const bytes of files) {
    const file = fromBinary(FileDescriptorProtoSchema, bytes);
    if (byName.has(file.name)) continue;
    byName.set(file.name, bytes);
    decoded.push(file);
  }
  const services = decoded.flatMap((f) => f.service.map((s) => (f.package ? `${f.package}.${s.name}` : s.name)));
  const declares = (file: FileDescriptorProto, symbol: string) => {
    const prefix = file.package ? `${file.package}.` : '';
    const top = [...file.messageType, ...file.enumType, ...file.service].map((d) => prefix + d.name);
    return top.some((top) => symbol === top || symbol.startsWith(`${top}.`));
  };
  return {
    name,
    listServices: async () => services,
    filesForSymbol: async (symbol) => {
      const file = decoded.find((f) => declares(f, symbol));
      return file ? [byName.get(file.name)!] : undefined;
    },
    fileByName: async (fileName) => (byName.has(fileName) ? [byName.get(fileName)!] : undefined),
  };
}
