// Response serializers for ts-proto services that allocate once per message. ts-proto's own
// (`Buffer.from(T.encode(value).finish())`) start a new BinaryWriter per message, which grows by
// doubling from 1 KiB (a 64 KiB message allocates ~256 KiB on the way), copies the result out
// (finish) and copies it again (Buffer.from): ~6x the message in short-lived ArrayBuffers. Under
// streaming that external memory pressure makes V8 run full mark-compacts back to back: a
// `certrpc serve` process spent two thirds of its time in GC streaming 64 KiB messages, at a
// quarter of a proto-loader server's rate (docs/BENCHMARKS.md). Here one writer per message type
// keeps its grown buffer and takeBytes() copies the message out once, small ones into Node's pool.
import { BinaryWriter, takeBytes } from '../wire/binary-wire';

/** What ts-proto generates for a message type. */
export interface EncodableMessage<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
}

/** A writer that grew past this (one large message) is dropped rather than held for good. */
const KEEP_BUFFER_BYTES = 1024 * 1024;

/** A grpc-js serializer for one ts-proto message type. Synchronous and not reentrant, as encode() is. */
export function reusingSerializer<T>(type: EncodableMessage<T>): (value: T) => Buffer {
  let writer = new BinaryWriter();
  return (value: T): Buffer => {
    let bytes: Buffer;
    try {
      bytes = takeBytes(type.encode(value, writer)); // a copy of exactly the message; the writer is reset
    } catch (err) {
      writer = new BinaryWriter(); // half a message must never prefix the next one
      throw err;
    }
    if (bytes.length > KEEP_BUFFER_BYTES) writer = new BinaryWriter();
    return bytes;
  };
}

type MethodDefinition = { responseSerialize: (value: never) => Buffer };

/** The same service definition with each method's response serializer replaced by a reusing one. */
export function withReusingSerializers<D extends Record<string, MethodDefinition>>(
  definition: D,
  responses: { [K in keyof D]: EncodableMessage<Parameters<D[K]['responseSerialize']>[0]> },
): D {
  const out: Record<string, MethodDefinition> = {};
  for (const [name, method] of Object.entries(definition))
    out[name] = { ...method, responseSerialize: reusingSerializer(responses[name as keyof D]) as MethodDefinition['responseSerialize'] };
  return out as D;
}
