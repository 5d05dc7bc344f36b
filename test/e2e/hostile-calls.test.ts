// Issue 9 acceptance: hostile or broken calls on a verified connection. Each gets a clear gRPC
// status (or an HTTP/2 stream reset), never a crash, and the server keeps answering alice.
import { Metadata } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { createClient } from '../../src/client/create-client';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { grpcError, unary } from '../helpers/calls';
import { eventually } from '../helpers/eventually';
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
    ops = await startOpsServer(tmp.dir, [
      '--limit',
      'maxReceiveMessageBytes=64KiB',
      '--limit',
      'maxMetadataBytes=8KiB',
      '--shutdown-grace',
      '1s',
    ]);
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
    expect(await raw(grpcFrame(randomBytes(64), 64, true), { 'grpc-encoding': 'gzip' })).toMatchObject({
      grpcStatus: status.INTERNAL,
      grpcMessage: 'Failed to decompress message',
    });
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
    expect(await raw(grpcFrame(HELLO), { 'grpc-timeout': 'soon' })).toMatchObject({
      grpcStatus: status.INTERNAL,
      grpcMessage: 'Invalid grpc-timeout value "soon"',
    });
  });

  it('serves a call whose metadata values are not legal, dropping them, and never logs them', async () => {
    // A control byte is dropped by the HTTP/2 layer, a non-ASCII value by grpc-js (with a
    // diagnostic), and -bin values decode leniently: each call is served as if the entry were absent.
    const dropped: Record<string, string>[] = [{ 'x-ctl': 'a\x01b' }, { 'x-latin1': 'caf\xe9' }, { 'x-data-bin': '!!not base64**' }];
    for (const headers of dropped)
      expect(await raw(grpcFrame(HELLO), headers)).toEqual({ httpStatus: 200, grpcStatus: status.OK, grpcMessage: 'OK', rstCode: 0 });
    // A NUL byte is malformed HTTP/2: the stream is reset (PROTOCOL_ERROR) before any gRPC status.
    expect(await raw(grpcFrame(HELLO), { 'x-nul': 'a\x00b' })).toEqual({ rstCode: 1 });
    await eventually(
      () => ops.server.logs().includes('Failed to add metadata entry x-latin1: [value withheld]'),
      "grpc-js's diagnostic for the dropped value",
    );
    expect(ops.server.logs()).not.toMatch(/caf\xe9|caf\\u00e9/);
  });

  it('counts each call once in /metrics, by method and status code', async () => {
    const count = (code: string) => ops.metric('certrpc_calls_total', { method: SAY, code });
    const before = { INTERNAL: await count('INTERNAL'), RESOURCE_EXHAUSTED: await count('RESOURCE_EXHAUSTED'), OK: await count('OK') };
    expect(await raw(grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x99, 0x12])))).toMatchObject({ grpcStatus: status.INTERNAL });
    expect(await raw(grpcFrame(HELLO), { 'grpc-timeout': 'soon' })).toMatchObject({ grpcStatus: status.INTERNAL });
    expect(await raw(grpcFrame(Buffer.alloc(16), 2 ** 31))).toMatchObject({ grpcStatus: status.RESOURCE_EXHAUSTED });
    expect((await grpcError(unary(echo, echo.say, { message: 'x'.repeat(100 * 1024) }))).code).toBe(status.RESOURCE_EXHAUSTED);
    expect(await raw(grpcFrame(HELLO))).toMatchObject({ grpcStatus: status.OK });
    const after = { INTERNAL: await count('INTERNAL'), RESOURCE_EXHAUSTED: await count('RESOURCE_EXHAUSTED'), OK: await count('OK') };
    expect({
      INTERNAL: after.INTERNAL - before.INTERNAL,
      RESOURCE_EXHAUSTED: after.RESOURCE_EXHAUSTED - before.RESOURCE_EXHAUSTED,
      OK: after.OK - before.OK,
    }).toEqual({ INTERNAL: 2, RESOURCE_EXHAUSTED: 2, OK: 1 });
  });
});
