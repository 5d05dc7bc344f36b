// Services every certrpc server has, whose schema certrpc ships: certrpc.v1.Identity (proto/) and
// grpc.health.v1.Health (grpc-health-check). When the server will not describe them (its policy
// hides reflection, as `certrpc serve` without --policy does, or it has none) calls to them still
// work: the built-in .proto files stand in for reflection, for these symbols only. They are parsed
// ahead of time into BUILT_IN_PROTOSET (npm run generate): parsing them at each call loaded
// protobufjs and proto-loader, which cost `certrpc call ... WhoAmI` more than the call itself.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { status as Status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PkiError } from '../pki/errors';
import { descriptorSetSource } from './descriptor-set-source';
import { encodeDescriptorSet } from './protoset-files';
import type { SchemaSource } from './schema';

const BUILT_IN = /^(certrpc\.v1|grpc\.health\.v1)\./;
const PROTO_DIR = join(__dirname, '..', '..', 'proto');
/** The built-in services' descriptors (a FileDescriptorSet), shipped in proto/. */
export const BUILT_IN_PROTOSET = join(PROTO_DIR, 'certrpc-builtin.protoset');

/** What BUILT_IN_PROTOSET must hold: the built-in .proto files parsed now (scripts/builtin-protoset.js writes it; a test compares). */
export async function parseBuiltInProtos(): Promise<Uint8Array> {
  const { protoFileDescriptors } = await import('./proto-files');
  const healthProtoDir = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
  const files = new Map<string, FileDescriptorProto>();
  for (const bytes of protoFileDescriptors(['certrpc/v1/identity.proto', 'health/v1/health.proto'], [PROTO_DIR, healthProtoDir])) {
    const file = fromBinary(FileDescriptorProtoSchema, bytes);
    if (!files.has(file.name)) files.set(file.name, file);
  }
  return encodeDescriptorSet([...files.values()]);
}

function builtInSource(): SchemaSource {
  let bytes: Buffer;
  try {
    bytes = readFileSync(BUILT_IN_PROTOSET);
  } catch (err) {
    throw new PkiError(`cannot read certrpc's built-in schema: ${(err as Error).message}`, {
      file: BUILT_IN_PROTOSET,
      code: 'PROTOSET_INVALID',
      fix: 'reinstall certrpc (in a checkout: npm run generate)',
    });
  }
  const set = fromBinary(FileDescriptorSetSchema, bytes);
  return descriptorSetSource(
    "certrpc's built-in schema (certrpc.v1.Identity, grpc.health.v1.Health)",
    set.file.map((f) => toBinary(FileDescriptorProtoSchema, f)),
  );
}

function refused(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === Status.PERMISSION_DENIED || code === Status.UNIMPLEMENTED;
}

export function withBuiltInServices(source: SchemaSource): SchemaSource {
  let builtIn: Promise<SchemaSource> | undefined;
  const load = () => (builtIn ??= Promise.resolve().then(builtInSource));
  const orBuiltIn =
    <T>(ask: (s: SchemaSource) => Promise<T>, applies: boolean) =>
    async (): Promise<T> => {
      try {
        return await ask(source);
      } catch (err) {
        if (!applies || !refused(err)) throw err;
        return ask(await load());
      }
    };
  return {
    name: source.name,
    listServices: () => source.listServices(),
    filesForSymbol: (symbol) => orBuiltIn((s) => s.filesForSymbol(symbol), BUILT_IN.test(symbol))(),
    fileByName: (name) => orBuiltIn((s) => s.fileByName(name), true)(),
  };
}
