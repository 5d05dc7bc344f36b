// binary-wire.ts hands out @bufbuild/protobuf's own reader and writer, the very classes its wire
// entry point exports (one copy in the process), from the file that defines them alone (what it
// keeps out of a serving process: test/cli/serve-resident.test.ts).
import * as Wire from '@bufbuild/protobuf/wire';
import { BinaryReader, BinaryWriter, WireType } from './binary-wire';

describe('binary-wire', () => {
  it('is @bufbuild/protobuf/wire: the same classes and wire types', () => {
    expect(BinaryReader).toBe(Wire.BinaryReader);
    expect(BinaryWriter).toBe(Wire.BinaryWriter);
    expect(WireType).toBe(Wire.WireType);
  });

  it('writes and reads the binary format', () => {
    const bytes = new BinaryWriter().tag(1, WireType.LengthDelimited).string('héllo').tag(2, WireType.Varint).int64('-5').finish();
    const reader = new BinaryReader(bytes);
    expect(reader.tag()).toEqual([1, WireType.LengthDelimited]);
    expect(reader.string()).toBe('héllo');
    expect(reader.tag()).toEqual([2, WireType.Varint]);
    expect(reader.int64().toString()).toBe('-5');
  });
});
