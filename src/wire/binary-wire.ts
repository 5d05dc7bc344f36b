// The protobuf binary format's reader and writer, all that ts-proto's code (src/gen/) and
// message-codec.ts use of @bufbuild/protobuf. Its entry point for them, @bufbuild/protobuf/wire,
// also loads the size-delimited and text formats and through them the reflection API (~100 KB of
// source, 0.2 MB of old generation in `certrpc serve`, where every MB of heap is GC work on every
// call and message: docs/BENCHMARKS.md, Heap and GC). The package exports only ./wire, so the file
// that defines them is found beside it; the same file wire/index.js re-exports, so there is one
// copy of each class. Anywhere else (the CLI's one-file bundle: src/cli/vendor-modules.ts) the
// entry point itself is used. scripts/generate.sh points src/gen/ here.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as Wire from '@bufbuild/protobuf/wire';

type BinaryWire = Pick<typeof Wire, 'BinaryReader' | 'BinaryWriter' | 'WireType'>;

function load(): BinaryWire {
  const entry = require.resolve('@bufbuild/protobuf/wire');
  const definitions = join(dirname(entry), 'binary-encoding.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(
    existsSync(definitions) && entry.endsWith(join('wire', 'index.js')) ? definitions : '@bufbuild/protobuf/wire',
  ) as BinaryWire;
}

const wire = load();
export const BinaryReader = wire.BinaryReader;
export type BinaryReader = Wire.BinaryReader;
export const BinaryWriter = wire.BinaryWriter;
export type BinaryWriter = Wire.BinaryWriter;
export const WireType = wire.WireType;
export type WireType = Wire.WireType;

/** The private state of @bufbuild/protobuf's BinaryWriter (2.17) that takeBytes() reads. */
interface WriterState {
  buffer: Uint8Array;
  pos: number;
  stackPos: number[];
}

/** Whether this version's writer keeps its bytes as 2.17 does: one buffer, written up to `pos`. */
const LAYOUT_KNOWN = ((probe: Partial<WriterState>) =>
  probe.buffer instanceof Uint8Array &&
  probe.pos === 2 &&
  probe.buffer[0] === 0xac &&
  probe.buffer[1] === 0x02 &&
  Array.isArray(probe.stackPos))(new wire.BinaryWriter().uint32(300) as unknown as Partial<WriterState>);

/**
 * What `writer` holds, copied into a Buffer of its own, with the writer reset for the next message.
 * finish() copies into a new ArrayBuffer per message: external memory V8 accounts and sweeps one by
 * one, which at 1 KiB messages made a streaming server's GC three times a proto-loader server's
 * (docs/BENCHMARKS.md, "1 KiB streaming"). Buffer.allocUnsafe takes a small message from Node's
 * shared pool, as protobufjs's writer does. A writer whose state is not 2.17's goes through finish().
 */
export function takeBytes(writer: BinaryWriter): Buffer {
  const state = writer as unknown as Partial<WriterState>;
  if (!LAYOUT_KNOWN || !(state.buffer instanceof Uint8Array) || typeof state.pos !== 'number' || state.stackPos?.length !== 0) {
    const bytes = writer.finish();
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  const out = Buffer.allocUnsafe(state.pos);
  out.set(state.buffer.subarray(0, state.pos));
  state.pos = 0;
  return out;
}
