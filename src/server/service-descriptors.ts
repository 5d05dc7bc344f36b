// What reflection can say about a user's own service: the file descriptors its definition carries.
// - @grpc/proto-loader: every method's requestType.fileDescriptorProtos (its file and the imports).
// - ts-proto generated with outputSchema=true: the `protoMetadata` exported beside the service
//   definition (its fileDescriptor, then its dependencies'), found in the loaded CommonJS module that
//   exports the definition, or given as `protoMetadata` (ES modules, bundles).
// ts-proto's fileDescriptor is a plain object in which every unset field holds its zero value; it is
// cleaned into protoc's form before it is served. One loss cannot be undone (ts-proto issue #1021):
// a field outside any oneof and a field in the FIRST oneof both say oneofIndex 0. A file with such a
// message is not served at all (a wrong schema makes clients encode wrong messages); its service is
// reported as undescribed.
import type { ServiceDefinition } from '@grpc/grpc-js';

/** ts-proto's `protoMetadata` (outputSchema=true): what certrpc reads of it. */
export interface ProtoMetadataLike {
  fileDescriptor: object;
  dependencies?: ProtoMetadataLike[];
}

export type Descriptors = { files: Uint8Array[] } | { problem: string };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDefinition = ServiceDefinition<any>;

/** The descriptors of the files that define this service (and their imports), or why there are none. */
export function descriptorsOf(definition: AnyDefinition, given: readonly ProtoMetadataLike[] = []): Descriptors {
  const methods = Object.values(definition) as { path?: string; requestType?: { fileDescriptorProtos?: unknown } }[];
  const fromLoader = methods.flatMap((m) =>
    Array.isArray(m.requestType?.fileDescriptorProtos) ? (m.requestType.fileDescriptorProtos as Uint8Array[]) : [],
  );
  if (fromLoader.length > 0) return { files: fromLoader };
  const service = /^\/([^/]+)\//.exec(methods[0]?.path ?? '')?.[1];
  const metadata = given.find((m) => definesService(m, service)) ?? protoMetadataBeside(definition);
  if (!metadata)
    return {
      problem: 'its definition carries no descriptors (generate it with ts-proto outputSchema=true, or load it with @grpc/proto-loader)',
    };
  const files: Uint8Array[] = [];
  for (const m of withDependencies(metadata)) {
    const encoded = encodeTsProtoFile(m.fileDescriptor);
    if ('problem' in encoded) return encoded;
    files.push(encoded.bytes);
  }
  return { files };
}

function definesService(metadata: ProtoMetadataLike, service: string | undefined): boolean {
  const file = metadata.fileDescriptor as { package?: string; service?: { name?: string }[] };
  return (file.service ?? []).some((s) => (file.package ? `${file.package}.${s.name}` : s.name) === service);
}

function withDependencies(root: ProtoMetadataLike): ProtoMetadataLike[] {
  const seen = new Set<ProtoMetadataLike>();
  const visit = (m: ProtoMetadataLike) => {
    if (seen.has(m)) return;
    seen.add(m);
    m.dependencies?.forEach(visit);
  };
  visit(root);
  return [...seen];
}

/**
 * The `protoMetadata` of the module that exports this very definition object. Only data properties
 * are read (no getter runs); module.exports of every loaded CommonJS module is looked at once.
 */
function protoMetadataBeside(definition: AnyDefinition): ProtoMetadataLike | undefined {
  for (const loaded of Object.values(require.cache ?? {})) {
    const exported = loaded?.exports as Record<string, unknown> | undefined;
    if (!exported || typeof exported !== 'object') continue;
    const metadata = Object.getOwnPropertyDescriptor(exported, 'protoMetadata')?.value as ProtoMetadataLike | undefined;
    if (!metadata || typeof metadata.fileDescriptor !== 'object') continue;
    if (Object.keys(exported).some((k) => Object.getOwnPropertyDescriptor(exported, k)?.value === definition)) return metadata;
  }
  return undefined;
}

type Json = Record<string, unknown>;

/** ts-proto's fileDescriptor object -> protoc's binary FileDescriptorProto. */
export function encodeTsProtoFile(fileDescriptor: object): { bytes: Uint8Array } | { problem: string } {
  // A copy: the user's protoMetadata is theirs, and oneofIndex is rewritten below.
  const file = structuredClone(fileDescriptor) as Json & { name?: string; messageType?: Json[] };
  for (const message of file.messageType ?? []) {
    const problem = placeOneofFields(message, String(file.package ?? ''));
    if (problem) return { problem: `${file.name}: ${problem}` };
  }
  // Loaded on use: only servers with ts-proto services need it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { fromJson, toBinary } = require('@bufbuild/protobuf') as typeof import('@bufbuild/protobuf');
  const { FileDescriptorProtoSchema } = require('@bufbuild/protobuf/wkt') as typeof import('@bufbuild/protobuf/wkt');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const message = fromJson(FileDescriptorProtoSchema, withoutZeroValues(file) as never, { ignoreUnknownFields: true });
  return { bytes: toBinary(FileDescriptorProtoSchema, message) };
}

/**
 * Sets each field's oneofIndex to what protoc wrote: kept for proto3 `optional` fields (their own
 * synthetic oneof) and for any index above 0; at 0 it is kept only when the first oneof is a
 * synthetic one, which those fields are not in. Otherwise (a real first oneof) the file cannot be described.
 */
function placeOneofFields(message: Json, scope: string): string | undefined {
  const name = scope ? `${scope}.${String(message.name)}` : String(message.name);
  const fields = (message.field as Json[] | undefined) ?? [];
  const oneofs = (message.oneofDecl as unknown[] | undefined) ?? [];
  const firstIsSynthetic = fields.some((f) => f.proto3Optional === true && f.oneofIndex === 0);
  for (const field of fields) {
    if (field.proto3Optional === true || (typeof field.oneofIndex === 'number' && field.oneofIndex > 0)) continue;
    if (oneofs.length > 0 && !firstIsSynthetic) {
      return `message ${name} has a oneof, and ts-proto's outputSchema does not record which fields are in the first one (ts-proto issue #1021)`;
    }
    delete field.oneofIndex;
  }
  for (const nested of (message.nestedType as Json[] | undefined) ?? []) {
    const problem = placeOneofFields(nested, name);
    if (problem) return problem;
  }
  return undefined;
}

/** ts-proto writes every unset field as its zero value ("", 0, false, []): in descriptor.proto (proto2) an explicit zero is a value, so they go. */
function withoutZeroValues(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => (v !== null && typeof v === 'object' ? withoutZeroValues(v) : v));
  if (value === null || typeof value !== 'object') return value;
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined || v === '' || v === false || (Array.isArray(v) && v.length === 0)) continue;
    if (v === 0 && key !== 'oneofIndex') continue;
    out[key] = withoutZeroValues(v);
  }
  return out;
}
