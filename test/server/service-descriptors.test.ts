// ts-proto's outputSchema descriptor, cleaned into protoc's form, must say what protoc says of the
// same file (buf build is the reference); what it cannot say faithfully is refused, never guessed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromBinary, toJson } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { loadSync } from '@grpc/proto-loader';
import { descriptorsOf, encodeTsProtoFile } from '../../src/server/service-descriptors';
import { GreeterService, protoMetadata as greeterMetadata } from '../fixtures/gen/greeter/v1/greeter';
import { PickerService, protoMetadata as pickerMetadata } from '../fixtures/gen/picker/v1/picker';
import { tempDir } from '../helpers/temp-dir';

const ROOT = join(__dirname, '..', '..');
const PROTOS = join(ROOT, 'test', 'fixtures', 'proto');

/** protoc's descriptor of one fixture file, by buf (the compiler of `npm run generate`), comments left out. */
function protocDescriptor(file: string, out: string) {
  execFileSync(join(ROOT, 'node_modules', '.bin', 'buf'), [
    'build',
    PROTOS,
    '--path',
    join(PROTOS, file),
    '--exclude-source-info',
    '-o',
    out,
  ]);
  const set = fromBinary(FileDescriptorSetSchema, readFileSync(out));
  return toJson(
    FileDescriptorProtoSchema,
    set.file.find((f) => f.name === file)!,
  );
}

describe('service descriptors', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it("a ts-proto service's descriptor, cleaned, is protoc's (a proto3 optional field keeps its synthetic oneof, its neighbour none)", () => {
    const found = descriptorsOf(GreeterService);
    if (!('files' in found)) throw new Error(found.problem);
    expect(found.files).toHaveLength(1);
    const ours = toJson(FileDescriptorProtoSchema, fromBinary(FileDescriptorProtoSchema, found.files[0]));
    delete (ours as { sourceCodeInfo?: unknown }).sourceCodeInfo;
    expect(ours).toEqual(protocDescriptor('greeter/v1/greeter.proto', join(tmp.dir, 'greeter.binpb')));
    // The user's object is read, never changed.
    expect(JSON.stringify(greeterMetadata.fileDescriptor)).toContain('"oneofIndex":0');
  });

  it('finds protoMetadata beside the definition in the module that exports it, or takes it as given', () => {
    expect('files' in descriptorsOf(GreeterService)).toBe(true);
    const copy = { ...GreeterService };
    expect(descriptorsOf(copy)).toEqual({
      problem: expect.stringMatching(/carries no descriptors \(generate it with ts-proto outputSchema=true/),
    });
    expect('files' in descriptorsOf(copy, [pickerMetadata, greeterMetadata])).toBe(true);
  });

  it('refuses a message whose first oneof ts-proto cannot tell apart from plain fields (ts-proto #1021)', () => {
    expect(descriptorsOf(PickerService)).toEqual({
      problem: expect.stringMatching(
        /^picker\/v1\/picker\.proto: message picker\.v1\.PickRequest has a oneof, and ts-proto's outputSchema does not record which fields are in the first one/,
      ),
    });
    expect(encodeTsProtoFile(pickerMetadata.fileDescriptor)).toMatchObject({ problem: expect.any(String) });
  });

  it('a proto-loader service carries its files and their imports', () => {
    const definition = loadSync('inventory/v1/inventory.proto', { includeDirs: [PROTOS] })['inventory.v1.Inventory'];
    const found = descriptorsOf(definition as never);
    if (!('files' in found)) throw new Error(found.problem);
    // proto-loader names its files by package (inventory_v1.proto): what they define is what counts.
    const packages = found.files.map((f) => fromBinary(FileDescriptorProtoSchema, f).package);
    expect(packages).toEqual(expect.arrayContaining(['inventory.v1', 'google.protobuf']));
  });
});
