// An HTTP/2 client written frame by frame over a real mTLS socket, for what node:http2 hides or
// refuses to do: read the server's SETTINGS as sent, see its PINGs arrive, and open more streams
// than the server allows (nghttp2 clients queue those instead of sending them). Hand-rolled on
// purpose: the point is to behave like a peer no library would let us be. HPACK is written as
// "literal without indexing, no Huffman" (RFC 7541 6.2.2), which every decoder must accept;
// responses' header blocks are not decoded (frame types and codes are all the tests read).
import { EventEmitter } from 'node:events';
import { connect, TLSSocket } from 'node:tls';
import type { ClientTlsMaterial } from '../../src/tls/client-credentials';

export const FRAME = { DATA: 0x0, HEADERS: 0x1, RST_STREAM: 0x3, SETTINGS: 0x4, PING: 0x6, GOAWAY: 0x7, WINDOW_UPDATE: 0x8 } as const;
const FLAG = { ACK: 0x1, END_STREAM: 0x1, END_HEADERS: 0x4 } as const;
export const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
/** RFC 9113 section 7 error codes the tests name. */
export const H2_ERROR = { NO_ERROR: 0x0, PROTOCOL_ERROR: 0x1, REFUSED_STREAM: 0x7, ENHANCE_YOUR_CALM: 0xb } as const;

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
  /** performance.now() when it was parsed. */
  at: number;
}

export interface GoAway {
  lastStreamId: number;
  errorCode: number;
  debug: string;
}

function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/** RFC 7541 5.1: an integer with an N-bit prefix. */
function hpackInteger(value: number, prefixBits: number, firstByteFlags = 0): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteFlags | value]);
  const bytes = [firstByteFlags | max];
  let rest = value - max;
  while (rest >= 128) {
    bytes.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const hpackString = (s: string) => Buffer.concat([hpackInteger(Buffer.byteLength(s, 'latin1'), 7), Buffer.from(s, 'latin1')]);

/** A header block of literal fields without indexing, new names (0x00 prefix). */
export function hpackBlock(headers: [string, string][]): Buffer {
  return Buffer.concat(headers.flatMap(([name, value]) => [Buffer.from([0x00]), hpackString(name), hpackString(value)]));
}

/** A length-prefixed gRPC message around a serialized protobuf. */
export function grpcMessage(payload: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(payload.length, 1);
  return Buffer.concat([prefix, payload]);
}

export class RawH2Connection extends EventEmitter<{ frame: [Frame] }> {
  readonly frames: Frame[] = [];
  /** The server's first SETTINGS frame, by identifier. */
  readonly serverSettings = new Map<number, number>();
  readonly closed: Promise<void>;
  private closedAt?: number;
  private buffer = Buffer.alloc(0);
  private nextStreamId = 1;

  private constructor(
    readonly socket: TLSSocket,
    private readonly options: { answerPings: boolean; ackSettings: boolean },
  ) {
    super();
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedAt = performance.now();
        resolve();
      }),
    );
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined);
  }

  /**
   * Handshakes with the client certificate and ALPN h2, sends the preface and an empty SETTINGS,
   * and resolves once the server's SETTINGS arrived (acknowledged, as a well-behaved client does).
   */
  static open(
    port: number,
    tls: ClientTlsMaterial,
    options: { answerPings?: boolean; ackSettings?: boolean; maxVersion?: 'TLSv1.2' | 'TLSv1.3' } = {},
  ): Promise<RawH2Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: tls.caPem,
        cert: tls.certPem,
        key: tls.keyPem,
        ALPNProtocols: ['h2'],
        maxVersion: options.maxVersion,
      });
      const conn = new RawH2Connection(socket, { answerPings: options.answerPings ?? true, ackSettings: options.ackSettings ?? true });
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        if (socket.alpnProtocol !== 'h2') return reject(new Error(`the server did not agree to h2 (ALPN ${socket.alpnProtocol})`));
        socket.write(Buffer.concat([PREFACE, frame(FRAME.SETTINGS, 0, 0)]));
        conn.waitFor((f) => f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK), 'the server SETTINGS').then(() => resolve(conn), reject);
      });
    });
  }

  /**
   * HEADERS (and a DATA frame with `body`, ending the stream) for a gRPC call; returns the stream
   * id. Sent as is: nothing here counts streams against the server's limit.
   */
  request(path: string, body?: Buffer): number {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const block = hpackBlock([
      [':method', 'POST'],
      [':scheme', 'https'],
      [':path', path],
      [':authority', 'localhost'],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
    ]);
    const frames = [frame(FRAME.HEADERS, FLAG.END_HEADERS | (body ? 0 : FLAG.END_STREAM), id, block)];
    if (body) frames.push(frame(FRAME.DATA, FLAG.END_STREAM, id, body));
    this.socket.write(Buffer.concat(frames));
    return id;
  }

  /** Resolves with the first frame (already received or to come) that matches; rejects when the connection closes first or after timeoutMs. */
  waitFor(match: (f: Frame) => boolean, what: string, timeoutMs = 15_000): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.socket.destroyed)
      return Promise.reject(new Error(`the connection closed before ${what}; frames seen: ${this.describeFrames()}`));
    return new Promise((resolve, reject) => {
      const done = (err?: Error, f?: Frame) => {
        clearTimeout(timer);
        this.off('frame', onFrame);
        this.socket.off('close', onClose);
        if (err) reject(err);
        else resolve(f!);
      };
      const onFrame = (f: Frame) => match(f) && done(undefined, f);
      const onClose = () => done(new Error(`the connection closed before ${what}; frames seen: ${this.describeFrames()}`));
      const timer = setTimeout(
        () => done(new Error(`no ${what} within ${timeoutMs} ms; frames seen: ${this.describeFrames()}`)),
        timeoutMs,
      );
      this.on('frame', onFrame);
      this.socket.once('close', onClose);
    });
  }

  /** Resolves with performance.now() when the connection closed; rejects if it is still open after timeoutMs. */
  untilClosed(timeoutMs = 15_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the connection is still open after ${timeoutMs} ms; frames seen: ${this.describeFrames()}`)),
        timeoutMs,
      );
      void this.closed.then(() => {
        clearTimeout(timer);
        resolve(this.closedAt!);
      });
    });
  }

  /** The GOAWAY the server sent (waits for it). */
  async goaway(timeoutMs?: number): Promise<GoAway> {
    const f = await this.waitFor((x) => x.type === FRAME.GOAWAY, 'a GOAWAY', timeoutMs);
    return parseGoAway(f.payload);
  }

  /** PINGs the server sent (not acks of ours). */
  pingsFromServer(): Frame[] {
    return this.frames.filter((f) => f.type === FRAME.PING && !(f.flags & FLAG.ACK));
  }

  close(): void {
    this.socket.destroy();
  }

  describeFrames(): string {
    const names = Object.fromEntries(Object.entries(FRAME).map(([k, v]) => [v, k]));
    return this.frames.map((f) => `${names[f.type] ?? f.type}(stream ${f.streamId}, flags ${f.flags})`).join(', ') || 'none';
  }

  private read(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 9) {
      const length = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < 9 + length) return;
      const f: Frame = {
        type: this.buffer[3],
        flags: this.buffer[4],
        streamId: this.buffer.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(this.buffer.subarray(9, 9 + length)),
        at: performance.now(),
      };
      this.buffer = this.buffer.subarray(9 + length);
      this.handle(f);
    }
  }

  private handle(f: Frame): void {
    this.frames.push(f);
    if (f.type === FRAME.SETTINGS && !(f.flags & FLAG.ACK)) {
      if (this.serverSettings.size === 0)
        for (let i = 0; i + 6 <= f.payload.length; i += 6)
          this.serverSettings.set(f.payload.readUInt16BE(i), f.payload.readUInt32BE(i + 2));
      if (this.options.ackSettings) this.socket.write(frame(FRAME.SETTINGS, FLAG.ACK, 0));
    }
    if (f.type === FRAME.PING && !(f.flags & FLAG.ACK) && this.options.answerPings && !this.socket.destroyed)
      this.socket.write(frame(FRAME.PING, FLAG.ACK, 0, f.payload));
    this.emit('frame', f);
  }
}

export function parseGoAway(payload: Buffer): GoAway {
  return {
    lastStreamId: payload.readUInt32BE(0) & 0x7fffffff,
    errorCode: payload.readUInt32BE(4),
    debug: payload.subarray(8).toString('utf8'),
  };
}

/** The error code of a RST_STREAM frame. */
export const rstCode = (f: Frame) => f.payload.readUInt32BE(0);
