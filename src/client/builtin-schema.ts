// Services every certrpc server has, whose schema certrpc ships: certrpc.v1.Identity (proto/) and
// grpc.health.v1.Health (grpc-health-check). When the server will not describe them (its policy
// hides reflection, as `certrpc serve` without --policy does, or it has none) calls to them still
// work: the built-in .proto files stand in for reflection, for these symbols only.
import { status as Status } from '@grpc/grpc-js';
import { dirname, join } from 'node:path';
import type { SchemaSource } from './schema';

const BUILT_IN = /^(certrpc\.v1|grpc\.health\.v1)\./;
const PROTO_DIR = join(__dirname, '..', '..', 'proto');

function refused(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === Status.PERMISSION_DENIED || code === Status.UNIMPLEMENTED;
}

export function withBuiltInServices(source: SchemaSource): SchemaSource {
  let builtIn: Promise<SchemaSource> | undefined;
  const load = () =>
    (builtIn ??= import('./proto-files').then(({ protoFilesSchemaSource }) => {
      const healthProtoDir = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
      return protoFilesSchemaSource(['certrpc/v1/identity.proto', 'health/v1/health.proto'], [PROTO_DIR, healthProtoDir]);
    }));
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
