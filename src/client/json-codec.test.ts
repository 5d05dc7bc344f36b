// Proto3 JSON through descriptors made by protobufjs (proto-loader, and so grpc-js reflection):
// well-known types, maps, oneofs, proto3 optionals, enums, 64-bit integers, nested messages.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonCodec } from './json-codec';
import { protoFilesSchemaSource } from './proto-files';
import { Schema } from './schema';

const PROTO = `syntax = "proto3";
package t.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
message Event {
  enum Kind { KIND_UNSPECIFIED = 0; KIND_ONE = 1; }
  message Tag { string name = 1; }
  google.protobuf.Timestamp at = 1;
  map<string, int64> counts = 2;
  oneof body { string text = 3; bytes blob = 4; }
  optional string note = 5;
  Kind kind = 6;
  repeated Tag tags = 7;
  google.protobuf.Duration took = 8;
  uint64 big = 9;
  string snake_case_name = 10;
}
`;

describe('JsonCodec over protobufjs descriptors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'certrpc-json-'));
  let codec: JsonCodec;
  let schema: Awaited<ReturnType<Schema['find']>>;

  beforeAll(async () => {
    writeFileSync(join(dir, 'event.proto'), PROTO);
    schema = await new Schema(protoFilesSchemaSource(['event.proto'], [dir])).find('t.v1.Event');
    codec = new JsonCodec({ registry: schema.registry });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips the canonical JSON through the binary encoding', () => {
    if (schema.element.kind !== 'message') throw new Error('expected a message');
    const message = schema.element;
    const json = {
      at: '2024-01-02T03:04:05.500Z',
      counts: { a: '5', b: '-9007199254740993' },
      text: 'hi',
      note: '',
      kind: 'KIND_ONE',
      tags: [{ name: 'x' }],
      took: '1.500s',
      big: '18446744073709551615',
      snakeCaseName: 'camel in JSON',
    };
    const decoded = codec.deserializer(message)(codec.serializer(message)(codec.request(message, { value: json, where: 'test' })));
    expect(JSON.parse(codec.response(message, decoded))).toEqual(json);
  });

  it('accepts proto field names too, and prints defaults only when asked', () => {
    if (schema.element.kind !== 'message') throw new Error('expected a message');
    const message = schema.element;
    const parsed = codec.request(message, { value: { snake_case_name: 'x' }, where: 'test' });
    expect(codec.response(message, parsed)).toBe('{"snakeCaseName":"x"}');
    const withDefaults = new JsonCodec({ registry: schema.registry, emitDefaults: true }).response(message, parsed);
    expect(JSON.parse(withDefaults)).toMatchObject({ counts: {}, kind: 'KIND_UNSPECIFIED', tags: [], big: '0', snakeCaseName: 'x' });
    // a proto3 optional is not an implicit-presence field: unset, it stays out
    expect(JSON.parse(withDefaults)).not.toHaveProperty('note');
  });

  it('names the input and the type when a request does not fit', () => {
    if (schema.element.kind !== 'message') throw new Error('expected a message');
    expect(() => codec.request(schema.element as never, { value: { kind: 'KIND_TWO' }, where: 'stdin line 2' })).toThrow(
      /stdin line 2 is not a valid t\.v1\.Event: .*KIND_TWO/,
    );
  });
});
