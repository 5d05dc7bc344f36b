// binary-wire.ts hands out @bufbuild/protobuf's own reader and writer, the very classes its wire
// entry point exports (one copy in the process), from the file that defines them alone (what it
// keeps out of a serving process: test/cli/serve-resident.test.ts).
import * as Wire from '@bufbuild/protobuf/wire';
import { BinaryReader, BinaryWriter, takeBytes, WireType } from './binary-wire';

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

  describe('takeBytes', () => {
    const write = (w: BinaryWriter, text: string) => w.tag(1, WireType.LengthDelimited).string(text).tag(2, WireType.Varint).int32(7);

    it('gives the bytes finish() gives, at every size, and leaves the writer empty for the next message', () => {
      const writer = new BinaryWriter();
      for (const text of ['', 'a', 'é'.repeat(200), 'x'.repeat(1024), 'y'.repeat(5000), 'z'.repeat(64 * 1024), 'w']) {
        const out = takeBytes(write(writer, text));
        expect(out).toBeInstanceOf(Buffer);
        expect(out.equals(write(new BinaryWriter(), text).finish())).toBe(true);
      }
      expect(takeBytes(writer)).toHaveLength(0);
    });

    it("takes a small message from Node's shared Buffer pool, not an ArrayBuffer of its own", () => {
      // finish() slices into an ArrayBuffer exactly the message's size; the pool's is Buffer.poolSize.
      const out = takeBytes(write(new BinaryWriter(), 'x'.repeat(1024)));
      expect(out.buffer.byteLength).toBe(Buffer.poolSize);
      const large = takeBytes(write(new BinaryWriter(), 'x'.repeat(Buffer.poolSize)));
      expect(large.buffer.byteLength).toBe(large.length);
    });

    it('goes through finish() for a writer that does not keep its state as @bufbuild/protobuf 2.17 does', () => {
      const bytes = Uint8Array.from([8, 1]);
      const other = { finish: jest.fn(() => bytes), pos: 2 } as unknown as BinaryWriter;
      const out = takeBytes(other);
      expect(other.finish).toHaveBeenCalledTimes(1);
      expect([...out]).toEqual([8, 1]);
      expect(out.buffer).toBe(bytes.buffer);
    });
  });
});
