// Issue 15, item 4: `--format text` is protobuf's text format as protoc reads and writes it. The
// oracle is protoc itself (grpc_tools.protoc): what certrpc prints, protoc --encode turns into the
// same message; what protoc --decode prints, certrpc reads back into the same message. Scalars of
// every kind, enums, nested and repeated messages, maps, oneofs, a well-known type, and strings and
// bytes that need escaping. Both ways certrpc gets a schema are used: .proto files and a protoset.
import { create, DescMessage, equals, fromBinary, fromJson, Message, toBinary } from '@bufbuild/protobuf';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { protoFilesSchemaSource } from '../../src/client/proto-files';
import { protosetSchemaSource } from '../../src/client/protoset-files';
import { Schema, SchemaSource } from '../../src/client/schema';
import { TextCodec } from '../../src/client/text-codec';
import { tempDir } from '../helpers/temp-dir';

const PYTHON = process.env.CERTRPC_TEST_PYTHON ?? '/usr/bin/python3';

const PROTO = `syntax = "proto3";
package t.v1;
import "google/protobuf/timestamp.proto";
message All {
  enum Kind { KIND_UNSPECIFIED = 0; KIND_ONE = 1; KIND_TWO = 2; }
  message Inner { string name = 1; repeated int32 nums = 2; }
  string s = 1;
  bytes b = 2;
  int32 i32 = 3;
  int64 i64 = 4;
  uint64 u64 = 5;
  sint32 si = 6;
  fixed64 f64 = 7;
  double d = 8;
  float f = 9;
  bool flag = 10;
  Kind kind = 11;
  Inner inner = 12;
  repeated Inner inners = 13;
  repeated string tags = 14;
  map<string, int64> counts = 15;
  map<int32, Inner> by_id = 16;
  oneof choice { string text = 17; Inner nested = 18; }
  google.protobuf.Timestamp at = 19;
  repeated Kind kinds = 20;
  repeated double ds = 21;
  sfixed32 sf32 = 22;
  uint32 u32 = 23;
}
`;

// Proto3 JSON, so the test reads as data; bytes are base64.
const CASES: Record<string, object> = {
  empty: {},
  scalars: {
    i32: -2147483648,
    i64: '-9223372036854775808',
    u64: '18446744073709551615',
    si: -7,
    f64: '18446744073709551615',
    d: 0.1,
    f: -2.25,
    flag: true,
    sf32: -1,
    u32: 4294967295,
  },
  escapes: {
    s: 'quote " backslash \\ newline \n tab \t bell \u0007 nul \u0000 é ünïcödé 😀 \u{10FFFF}',
    b: Buffer.from([0, 1, 0x22, 0x27, 0x5c, 0x0a, 0x7f, 0x80, 0xfe, 0xff, 0x41]).toString('base64'),
    tags: ["it's", '"', '\\', '', 'tab\there'],
  },
  nested: {
    kind: 'KIND_TWO',
    inner: { name: 'in', nums: [1, -1, 2147483647] },
    inners: [{ name: 'a' }, {}, { nums: [0, 0] }],
    counts: { a: '1', 'with space': '-5', '': '0', 'é"\\': '9007199254740993' },
    byId: { '-3': { name: 'neg' }, '7': {} },
    nested: { name: 'one of' },
    at: '2024-02-29T23:59:59.123456789Z',
    kinds: ['KIND_ONE', 'KIND_UNSPECIFIED', 'KIND_TWO'],
    ds: [1.5e300, -1e-300, 0, 'Infinity', '-Infinity', 123456.789],
  },
  oneofText: { text: 'the other branch' },
};

jest.setTimeout(60_000);

describe('--format text against protoc as the oracle', () => {
  const tmp = tempDir();
  const protoc = (args: string[], input: Buffer | string) => {
    const r = spawnSync(PYTHON, ['-m', 'grpc_tools.protoc', '-I', tmp.dir, ...args, 'all.proto'], { input, cwd: tmp.dir });
    if (r.error || r.status !== 0)
      throw new Error(
        `grpc_tools.protoc ${args.join(' ')} failed (this test needs python3-grpc-tools): ${r.error?.message ?? r.stderr.toString()}`,
      );
    return r.stdout;
  };

  beforeAll(() => {
    writeFileSync(join(tmp.dir, 'all.proto'), PROTO);
    protoc(['--include_imports', `--descriptor_set_out=${join(tmp.dir, 'all.protoset')}`], '');
  });
  afterAll(() => tmp.cleanup());

  const sources: [string, () => SchemaSource][] = [
    ['.proto files (protobufjs descriptors, repaired)', () => protoFilesSchemaSource(['all.proto'], [tmp.dir])],
    ["protoc's descriptor set (--protoset)", () => protosetSchemaSource([join(tmp.dir, 'all.protoset')])],
  ];

  describe.each(sources)('schema from %s', (_name, source) => {
    let all: DescMessage;
    let codec: TextCodec;
    beforeAll(async () => {
      const found = await new Schema(source()).find('t.v1.All');
      if (found.element.kind !== 'message') throw new Error('t.v1.All is a message');
      all = found.element;
      codec = new TextCodec(found.registry);
    });

    it.each(Object.keys(CASES))('%s: protoc --encode reads what certrpc prints as the same message', (name) => {
      const message = fromJson(all, CASES[name] as never);
      const text = codec.response(all, message);
      const encoded = protoc(['--encode=t.v1.All'], text);
      expect(equals(all, fromBinary(all, encoded), message)).toBe(true);
    });

    it.each(Object.keys(CASES))('%s: certrpc reads what protoc --decode prints as the same message', (name) => {
      const message = fromJson(all, CASES[name] as never);
      const text = protoc(['--decode=t.v1.All'], Buffer.from(toBinary(all, message))).toString('utf8');
      const parsed: Message = codec.request(all, { text, where: 'protoc --decode' });
      expect(equals(all, parsed, message)).toBe(true);
    });

    it('refuses text that is not the message, naming where it came from and the type', () => {
      expect(() => codec.request(all, { text: 'nope: 1', where: '-d' })).toThrow(/^-d is not a valid t\.v1\.All in text format: /);
      expect(() => codec.request(all, { text: 'i32: "x"', where: 'stdin record 2' })).toThrow(/^stdin record 2 is not a valid t\.v1\.All/);
      expect(equals(all, codec.request(all, { text: '  # only a comment\n', where: '-d' }), create(all))).toBe(true);
    });
  });
});
