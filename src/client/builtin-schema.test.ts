// The shipped descriptor set of the built-in services (proto/certrpc-builtin.protoset) is what the
// .proto files say now, and answers for them as the .proto files did when they were parsed per call.
import { fromBinary, toJson } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { status as Status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { BUILT_IN_PROTOSET, parseBuiltInProtos, withBuiltInServices } from './builtin-schema';
import type { SchemaSource } from './schema';

const refusing: SchemaSource = {
  name: 'a server that hides reflection',
  listServices: async () => [],
  filesForSymbol: async () => Promise.reject(Object.assign(new Error('denied'), { code: Status.PERMISSION_DENIED })),
  fileByName: async () => Promise.reject(Object.assign(new Error('denied'), { code: Status.PERMISSION_DENIED })),
};

describe("the built-in services' schema", () => {
  it('proto/certrpc-builtin.protoset matches the .proto files (if not: npm run generate)', async () => {
    const shipped = toJson(FileDescriptorSetSchema, fromBinary(FileDescriptorSetSchema, readFileSync(BUILT_IN_PROTOSET)));
    const parsed = toJson(FileDescriptorSetSchema, fromBinary(FileDescriptorSetSchema, await parseBuiltInProtos()));
    expect(shipped).toEqual(parsed);
    expect(JSON.stringify(shipped)).toContain('"WhoAmI"');
  });

  it('stands in for reflection when the server refuses it, for the built-in symbols only', async () => {
    const source = withBuiltInServices(refusing);
    const identity = await source.filesForSymbol('certrpc.v1.Identity');
    expect(identity).toHaveLength(1);
    const health = await source.filesForSymbol('grpc.health.v1.Health.Check');
    expect(health).toHaveLength(1);
    await expect(source.filesForSymbol('demo.v1.KeyValue')).rejects.toThrow('denied');
  });
});
