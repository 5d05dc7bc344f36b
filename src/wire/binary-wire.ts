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
