// metadataSize counts what goes on the wire without encoding anything: it must agree with the
// HTTP/2 headers grpc-js would send (binary values base64-encoded, every value of a key counted).
import { Metadata } from '@grpc/grpc-js';
import { metadataSize } from '../../src/server/metadata-limit-stage';

function wireSize(metadata: Metadata): number {
  let size = 0;
  for (const [key, value] of Object.entries(metadata.toHttp2Headers())) {
    for (const v of Array.isArray(value) ? value : [value]) size += key.length + String(v).length + 32;
  }
  return size;
}

it('agrees with the encoded HTTP/2 headers for text, binary (every length mod 3) and repeated values', () => {
  const metadata = new Metadata();
  metadata.set('x-team', 'billing');
  metadata.add('x-tag', 'a');
  metadata.add('x-tag', 'bc');
  for (const n of [1, 2, 3, 100]) metadata.set(`x-blob${n}-bin`, Buffer.alloc(n, 7));
  expect(metadataSize(metadata)).toBe(wireSize(metadata));
  expect(metadataSize(new Metadata())).toBe(0);
});
