// Issue 9 acceptance: hostile or broken calls on a verified connection. Each gets a clear gRPC
// status (or an HTTP/2 stream reset), never a crash, and the server keeps answering alice.
import { Metadata } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createClient } from '../../src/client/create-client';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { grpcError, unary } from '../helpers/calls';
import { startOpsServer, OpsServer, status } from '../helpers/ops-server';
import { grpcFrame, rawGrpcCall } from '../helpers/raw-grpc';
import { tempDir } from '../helpers/temp-dir';

/** demo.v1.SayRequest { message: "hello" } */
const HELLO = Buffer.from('0a0568656c6c6f', 'hex');
const SAY = '/demo.v1.Echo/Say';

describe('hostile calls', () => {
  const tmp = tempDir();
  let ops: OpsServer;
  let echo: EchoClient;

  beforeAll(async () => {
    ops = await startOpsServer(tmp.dir, ['--limit', 'maxReceiveMessageBytes=64KiB', '--limit', 'maxMetadataBytes=8KiB', '--shutdown-grace', '1s']);
    echo = createClient(EchoClient, ops.address, { tls: ops.tls('alice') });
  });
  afterEach(async () => {
    await ops.stillServes();
    expect(ops.crashLines()).toEqual([]);
  });
  afterAll(async () => {
    echo.close();
    expect(await ops.server.stop()).toBe(0);
    tmp.cleanup();
  });

  const raw = (body: Buffer, headers: Record<string, string> = {}) => rawGrpcCall(ops.address, ops.tls('alice'), SAY, body, headers);

  it('a hand-written call that is well formed succeeds (the raw client itself works)', async () => {
    expect(await raw(grpcFrame(HELLO))).toMatchObject({ httpStatus: 200, grpcStatus: status.OK });
  });

  it('ends a message over maxReceiveMessageBytes with RESOURCE_EXHAUSTED, and counts it', async () => {
    const before = await ops.metric('certrpc_calls_total', { method: SAY, code: 'RESOURCE_EXHAUSTED' });
    const err = await grpcError(unary(echo, echo.say, { message: 'x'.repeat(100 * 1024) }));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/larger than max \(\d+ vs 65536\)/);
    expect(await ops.metric('certrpc_calls_total', { method: SAY, code: 'RESOURCE_EXHAUSTED' })).toBe(before + 1);
  });

  it('refuses a frame that only claims a huge length, before reading it', async () => {
    expect(await raw(grpcFrame(Buffer.alloc(16), 2 ** 31))).toMatchObject({ grpcStatus: status.RESOURCE_EXHAUSTED });
  });

  it('answers a garbage protobuf body with INTERNAL', async () => {
    const outcome = await raw(grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x99, 0x12])));
    expect(outcome).toMatchObject({ grpcStatus: status.INTERNAL, grpcMessage: 'Error deserializing request' });
  });

  it('answers a field with an invalid wire type with INTERNAL', async () => {
    // Tag 0x0f: field 1, wire type 7 (no such type), then bytes that never form a message.
    expect(await raw(grpcFrame(Buffer.concat([Buffer.from([0x0f]), randomBytes(64)])))).toMatchObject({ grpcStatus: status.INTERNAL });
  });

  it('answers a truncated message (frame shorter than its length) with INTERNAL, not UNIMPLEMENTED', async () => {
    const outcome = await raw(grpcFrame(HELLO.subarray(0, 4), HELLO.length));
    expect(outcome).toMatchObject({ grpcStatus: status.INTERNAL });
    expect(outcome.grpcMessage).toMatch(/ended without a complete message/);
  });

  it('answers a truncated frame header and an empty body with INTERNAL', async () => {
    expect(await raw(Buffer.from([0, 0, 0]))).toMatchObject({ grpcStatus: status.INTERNAL });
    expect(await raw(Buffer.alloc(0))).toMatchObject({ grpcStatus: status.INTERNAL });
  });

  it('answers a "gzip" message that is not gzip with INTERNAL', async () => {
    expect(await raw(grpcFrame(randomBytes(64), 64, true), { 'grpc-encoding': 'gzip' })).toMatchObject({ grpcStatus: status.INTERNAL, grpcMessage: 'Failed to decompress message' });
  });

  it('stops inflating a compression bomb at maxReceiveMessageBytes (RESOURCE_EXHAUSTED)', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024)); // 50 MiB of zeros in ~50 KiB
    expect(bomb.length).toBeLessThan(64 * 1024);
    const outcome = await raw(grpcFrame(bomb, bomb.length, true), { 'grpc-encoding': 'gzip' });
    expect(outcome).toMatchObject({ grpcStatus: status.RESOURCE_EXHAUSTED });
    expect(outcome.grpcMessage).toMatch(/decompresses to a size larger than 65536/);
  });

  it('ends metadata over maxMetadataBytes with RESOURCE_EXHAUSTED naming the limit', async () => {
    const metadata = new Metadata();
    metadata.set('x-big', 'a'.repeat(16 * 1024));
    const err = await grpcError(unary(echo, echo.say, { message: 'hi' }, metadata));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(err.details).toMatch(/request metadata is \d+ bytes, over this server's limit of 8192 \(maxMetadataBytes\)/);
  });

  it('resets the stream of a header block over 64 KiB or 128 headers (Node refuses it before grpc-js)', async () => {
    expect(await raw(grpcFrame(HELLO), { 'x-huge': 'a'.repeat(100 * 1024) })).toMatchObject({ rstCode: 7 }); // REFUSED_STREAM
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-h${i}`, 'v']));
    expect((await raw(grpcFrame(HELLO), many)).rstCode).toBeGreaterThan(0);
  });

  it('answers an invalid grpc-timeout with INTERNAL', async () => {
    expect(await raw(grpcFrame(HELLO), { 'grpc-timeout': 'soon' })).toMatchObject({ grpcStatus: status.INTERNAL, grpcMessage: 'Invalid grpc-timeout value "soon"' });
  });

  it('survives metadata values that are not legal (control and non-ASCII bytes, bad base64 in -bin)', async () => {
    const invalid: Record<string, string>[] = [{ 'x-ctl': 'a\x01b' }, { 'x-latin1': 'caf\xe9' }, { 'x-data-bin': '!!not base64**' }];
    for (const headers of invalid) {
      const outcome = await raw(grpcFrame(HELLO), headers);
      // grpc-js drops what it cannot represent and serves the call; nothing reaches a handler unchecked.
      expect(outcome.grpcStatus ?? outcome.rstCode).toBeDefined();
    }
    // The rejected value is not copied into the server's log.
    expect(ops.server.logs()).not.toMatch(/caf\xe9|caf\\u00e9/);
  });

  it('counts every one of these calls in /metrics by status code', async () => {
    expect(await ops.metric('certrpc_calls_total', { method: SAY, code: 'INTERNAL' })).toBeGreaterThanOrEqual(6);
    expect(await ops.metric('certrpc_calls_total', { method: SAY, code: 'RESOURCE_EXHAUSTED' })).toBeGreaterThanOrEqual(4);
  });
});
