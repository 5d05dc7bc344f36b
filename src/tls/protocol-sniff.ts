// What a port speaks, when a TLS handshake with it failed before any TLS came back ("wrong version
// number": the answer was not a TLS record). A second, plain connection sends what an HTTP/2
// client sends first (its connection preface and an empty SETTINGS frame) and reads the first
// bytes back: a plaintext gRPC server answers with its own SETTINGS frame, an HTTP/1 server with
// "HTTP/1.1 400 ...", a TLS server with an alert. Only on a failed handshake; a few bytes, bounded.
import { connect } from 'node:net';
import type { SpokenProtocol } from './wrong-protocol';
import { DialTarget, socketAddress } from './address';

const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
/** Enough to tell the protocols apart; the rest of what a peer sends is never read. */
const MAX_BYTES = 64;
const HTTP_FRAME_SETTINGS = 4;

/** The peer's bytes inside our message: printable ASCII as is, everything else escaped, cut short. */
export function printableBytes(bytes: Buffer, max = 40): string {
  let out = '';
  for (const byte of bytes.subarray(0, max)) {
    if (byte === 0x0d) out += '\\r';
    else if (byte === 0x0a) out += '\\n';
    else if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return bytes.length > max ? `${out}...` : out;
}

/** Classifies what came back, or undefined while more bytes could still change the answer. */
export function classify(bytes: Buffer, final: boolean): SpokenProtocol | undefined {
  if (bytes.length === 0) return final ? { kind: 'nothing' } : undefined;
  // A TLS record: content type 20-23, then version 3.x.
  if (bytes[0] >= 20 && bytes[0] <= 23) {
    if (bytes.length < 2 && !final) return undefined;
    if (bytes[1] === 3) return { kind: 'tls' };
  }
  const text = bytes.toString('latin1');
  if ('HTTP/'.startsWith(text) && !final) return undefined;
  if (text.startsWith('HTTP/')) {
    const end = text.indexOf('\r\n');
    if (end < 0 && !final && bytes.length < MAX_BYTES) return undefined;
    return { kind: 'http1', statusLine: printableBytes(bytes.subarray(0, end < 0 ? bytes.length : end)) };
  }
  // An HTTP/2 frame header: 24-bit length, type, flags, stream 0. A server's first frame is SETTINGS.
  if (bytes.length < 9 && !final && bytes[0] === 0) return undefined;
  if (
    bytes.length >= 9 &&
    bytes[3] === HTTP_FRAME_SETTINGS &&
    (bytes[4] & ~1) === 0 &&
    bytes.readUInt32BE(5) === 0 &&
    bytes.readUIntBE(0, 3) % 6 === 0
  ) {
    return { kind: 'plaintext-http2' };
  }
  return { kind: 'other', firstBytes: printableBytes(bytes) };
}

/** Opens a plain connection to the target and reports what it speaks; never rejects. */
export function sniffProtocol(target: DialTarget, timeoutMs = 2000): Promise<SpokenProtocol> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const socket = connect(socketAddress(target));
    const finish = (final: boolean) => {
      const spoken = classify(received, final);
      if (!spoken) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(spoken);
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.once('connect', () => socket.write(H2_PREFACE));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]).subarray(0, MAX_BYTES);
      finish(received.length >= MAX_BYTES);
    });
    socket.once('error', () => finish(true));
    socket.once('close', () => finish(true));
  });
}
