// Issue 15, item 4: --format-error prints the status as one JSON object, with the details a server
// packs into grpc-status-details-bin (google.rpc.Status): each Any as proto3 JSON when its type is
// known (the call's schema, a well-known type), as @type and @value (base64) when it is not, and
// a trailer that is no google.rpc.Status said so. The server is certrpc's own (createServer) with a
// service that fails on purpose; the status bytes are written here with the wire writer, apart
// from the code under test.
import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack, AnySchema, DurationSchema } from '@bufbuild/protobuf/wkt';
import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Metadata, ServiceDefinition, status as Status, UntypedServiceImplementation } from '@grpc/grpc-js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { protoFilesSchemaSource } from '../../src/client/proto-files';
import { Schema } from '../../src/client/schema';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(120_000);

const PROTO = `syntax = "proto3";
package test.v1;
import "google/protobuf/empty.proto";
message QuotaFailure {
  string subject = 1;
  int64 limit = 2;
}
service Failing {
  rpc Fail(google.protobuf.Empty) returns (google.protobuf.Empty);
  rpc Garbled(google.protobuf.Empty) returns (google.protobuf.Empty);
  rpc Shout(google.protobuf.Empty) returns (google.protobuf.Empty);
}
`;

function method(name: string) {
  const same = (b: Buffer) => b;
  return {
    path: `/test.v1.Failing/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
    originalName: name,
  };
}

describe('--format-error with status details', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;
  const certrpc = (args: string[]) => runCli(args, { env: { CERTRPC_DIR: dir }, cwd: tmp.dir, timeoutMs: 60_000 });
  const call = (name: string, ...flags: string[]) =>
    certrpc([
      'call',
      address,
      `test.v1.Failing/${name}`,
      '--identity',
      'alice',
      '--proto',
      'failing.proto',
      '--import-path',
      tmp.dir,
      ...flags,
    ]);

  beforeAll(async () => {
    pki = await demoPki(dir);
    writeFileSync(join(tmp.dir, 'failing.proto'), PROTO);
    const found = await new Schema(protoFilesSchemaSource(['failing.proto'], [tmp.dir])).find('test.v1.QuotaFailure');
    if (found.element.kind !== 'message') throw new Error('QuotaFailure is a message');
    const quota = anyPack(found.element, create(found.element, { subject: 'alice', limit: BigInt(5) }));
    const duration = anyPack(DurationSchema, create(DurationSchema, { seconds: BigInt(30) }));
    const unknown = create(AnySchema, { typeUrl: 'type.googleapis.com/acme.v9.Unknown', value: new Uint8Array([1, 2]) });
    // google.rpc.Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
    const statusBytes = new BinaryWriter()
      .tag(1, WireType.Varint)
      .int32(Status.RESOURCE_EXHAUSTED)
      .tag(2, WireType.LengthDelimited)
      .string('quota used up');
    for (const any of [quota, duration, unknown]) statusBytes.tag(3, WireType.LengthDelimited).bytes(toBinary(AnySchema, any));
    const details = Buffer.from(statusBytes.finish());

    const definition: ServiceDefinition = { Fail: method('Fail'), Garbled: method('Garbled'), Shout: method('Shout') };
    const implementation: UntypedServiceImplementation = {
      Fail: (_call: unknown, callback: (err: object) => void) => {
        const metadata = new Metadata();
        metadata.set('grpc-status-details-bin', details);
        callback({ code: Status.RESOURCE_EXHAUSTED, details: 'quota used up', metadata });
      },
      Garbled: (_call: unknown, callback: (err: object) => void) => {
        const metadata = new Metadata();
        metadata.set('grpc-status-details-bin', Buffer.from([0xff, 0xff, 0xff]));
        callback({ code: Status.FAILED_PRECONDITION, details: 'see details', metadata });
      },
      // A server's message with terminal control sequences in it.
      Shout: (_call: unknown, callback: (err: object) => void) =>
        callback({ code: Status.ABORTED, details: 'red \x1b[31malert\x1b[0m\rover\u202eprinted' }),
    };
    const id = pki.loadIdentity('server');
    server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [{ definition, implementation }],
      policy: allowAllAuthenticated(),
      reflection: false,
    });
    const { port } = await server.listen('127.0.0.1', 0);
    address = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server?.shutdown(1000);
    tmp.cleanup();
  });

  it('each detail as proto3 JSON when its type is known, else its type URL and bytes; exit 64+8', async () => {
    const r = await call('Fail', '--format-error');
    expect(r.code).toBe(72);
    expect(r.stdout).toBe('');
    expect(JSON.parse(r.stderr)).toEqual({
      code: 8,
      name: 'RESOURCE_EXHAUSTED',
      message: 'quota used up',
      details: [
        { '@type': 'type.googleapis.com/test.v1.QuotaFailure', subject: 'alice', limit: '5' },
        { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '30s' },
        { '@type': 'type.googleapis.com/acme.v9.Unknown', '@value': 'AQI=' },
      ],
    });
  });

  it('the same JSON with --format text (the status is always JSON)', async () => {
    const r = await call('Fail', '--format-error', '--format', 'text');
    expect(r.code).toBe(72);
    expect(JSON.parse(r.stderr).details).toHaveLength(3);
  });

  it('a details trailer that is no google.rpc.Status is said so, not dropped', async () => {
    const r = await call('Garbled', '--format-error');
    expect(r.code).toBe(73);
    const status = JSON.parse(r.stderr);
    expect(status).toMatchObject({ code: 9, name: 'FAILED_PRECONDITION', message: 'see details' });
    expect(status.details).toEqual([{ '@error': expect.stringMatching(/^grpc-status-details-bin is not a google\.rpc\.Status: /) }]);
  });

  it("a server's message cannot steer the terminal: control characters are printed as escapes (and JSON escapes them)", async () => {
    const r = await call('Shout');
    expect(r.code).toBe(74);
    expect(r.stderr).toBe('certrpc: ABORTED (10): red \\x1b[31malert\\x1b[0m\\rover\\u202eprinted\n');
    const verbose = await call('Shout', '-v');
    expect(verbose.stderr).toContain('< status: ABORTED (10): red \\x1b[31malert');
    const raw = (text: string) => ['\x1b', '\r', '\u202e'].filter((c) => text.includes(c));
    expect(raw(verbose.stderr)).toEqual([]);
    const json = await call('Shout', '--format-error');
    expect(raw(json.stderr)).toEqual([]);
    expect(JSON.parse(json.stderr).message).toBe('red \x1b[31malert\x1b[0m\rover\u202eprinted');
  });

  it('without --format-error, the one human line as before', async () => {
    const r = await call('Fail');
    expect(r.code).toBe(72);
    expect(r.stderr).toBe('certrpc: RESOURCE_EXHAUSTED (8): quota used up\n');
  });
});
