// grpc-js servers have no grpc.max_metadata_size, and Node's HTTP/2 layer only caps the whole
// header block at 64 KiB. This stage holds request metadata to the server's limit, counted the way
// HTTP/2 counts a header list (name + value + 32 bytes per entry), and says which limit was hit.
import { Metadata, status as Status } from '@grpc/grpc-js';
import type { CallContext, Rejection } from '../gate/call-context';

/** HTTP/2's per-entry overhead in SETTINGS_MAX_HEADER_LIST_SIZE accounting (RFC 9113, 6.5.2). */
const ENTRY_OVERHEAD = 32;

/** Bytes of the request metadata as sent on the wire (binary values base64-encoded). */
export function metadataSize(metadata: Metadata): number {
  // toJSON() hands over the values as held (no copies, no base64 encoding: this runs on every call).
  const entries = metadata.toJSON();
  let size = 0;
  for (const key in entries) {
    if (key.startsWith(':')) continue; // pseudo-headers are HTTP/2's own, not metadata
    for (const v of entries[key]) size += key.length + (typeof v === 'string' ? v.length : 4 * Math.ceil(v.length / 3)) + ENTRY_OVERHEAD;
  }
  return size;
}

/** Needs no caller: it also guards the methods a server opens to peers without a certificate. */
export function metadataLimitStage(maxBytes: number): (ctx: Pick<CallContext, 'metadata'>) => Rejection | undefined {
  return (ctx) => {
    const size = metadataSize(ctx.metadata);
    if (size > maxBytes) {
      return {
        code: Status.RESOURCE_EXHAUSTED,
        details: `request metadata is ${size} bytes, over this server's limit of ${maxBytes} (maxMetadataBytes): send fewer or smaller headers`,
      };
    }
    return undefined;
  };
}
