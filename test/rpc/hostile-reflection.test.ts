// A server's reflection answers are its own words: the names of its services, methods and types
// reach the user's terminal through `list` and `describe`, so they are escaped as a status message
// is (SECURITY.md, the calling verbs). The server is certrpc's createServer with reflection off and
// a reflection service of its own that answers with names no protoc would write.
import { create, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ServerDuplexStream } from '@grpc/grpc-js';
import { join } from 'node:path';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { ServerReflectionRequest, ServerReflectionResponse, ServerReflectionService } from '../../src/gen/grpc/reflection/v1/reflection';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(90_000);

const EVIL_SERVICE = 'evil.v1.Svc\u001b[2J\u001b[H\ncertrpc.v1.Identity\u202e';
const EVIL_METHOD = 'Get\u001b]0;owned\u0007\nevil.v1.Svc.Safe';

// A file declaring the hostile service (names as the server chooses them; nothing checks them on its side).
const file = Buffer.from(
  toBinary(
    FileDescriptorProtoSchema,
    create(FileDescriptorProtoSchema, {
      name: 'evil.proto',
      package: 'evil.v1',
      syntax: 'proto3',
      messageType: [{ name: 'Req' }],
      service: [
        {
          name: EVIL_SERVICE.slice('evil.v1.'.length),
          method: [{ name: EVIL_METHOD, inputType: '.evil.v1.Req', outputType: '.evil.v1.Req' }],
        },
      ],
    }),
  ),
);

// A schema without end: every file the server sends imports one more, and comes with 999 others.
let endless = 0;
function endlessFiles(): Buffer[] {
  const n = endless++;
  const next = create(FileDescriptorProtoSchema, {
    name: `endless${n}.proto`,
    package: 'endless.v1',
    syntax: 'proto3',
    dependency: [`endless${n + 1}.proto`],
    ...(n === 0 ? { service: [{ name: 'Svc' }] } : {}),
  });
  const fillers = Array.from({ length: 999 }, (_, i) =>
    create(FileDescriptorProtoSchema, { name: `filler${n}_${i}.proto`, syntax: 'proto3' }),
  );
  return [next, ...fillers].map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f)));
}

function answer(req: ServerReflectionRequest): Partial<ServerReflectionResponse> {
  if (req.listServices !== undefined) return { listServicesResponse: { service: [{ name: EVIL_SERVICE }] } };
  if (req.fileContainingSymbol?.startsWith('endless.') || req.fileByFilename?.startsWith('endless'))
    return { fileDescriptorResponse: { fileDescriptorProto: endlessFiles() } };
  return { fileDescriptorResponse: { fileDescriptorProto: [file] } };
}

describe('hostile reflection answers', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let server: CertrpcServer;
  let address: string;
  const certrpc = (...args: string[]) => runCli([...args, '--identity', 'alice'], { env: { CERTRPC_DIR: dir } });

  beforeAll(async () => {
    const pki = await demoPki(dir);
    const id = pki.loadIdentity('server');
    const implementation = {
      serverReflectionInfo: (stream: ServerDuplexStream<ServerReflectionRequest, ServerReflectionResponse>) => {
        stream.on('data', (req: ServerReflectionRequest) =>
          stream.write(ServerReflectionResponse.fromPartial({ validHost: '', originalRequest: req, ...answer(req) })),
        );
        stream.on('end', () => stream.end());
      },
    };
    server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [{ definition: ServerReflectionService, implementation }],
      policy: allowAllAuthenticated(),
      reflection: false,
    });
    address = `127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}`;
  });
  afterAll(async () => {
    await server?.shutdown(1000);
    tmp.cleanup();
  });

  // eslint-disable-next-line no-control-regex -- the characters that must not reach a terminal
  const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

  it('list prints the names a server reports escaped, one per line: none can add a line of its own', async () => {
    const services = await certrpc('list', address);
    expect(services.code).toBe(0);
    expect(services.stdout).not.toMatch(raw);
    expect(services.stdout.trimEnd().split('\n')).toEqual(['evil.v1.Svc\\x1b[2J\\x1b[H\\ncertrpc.v1.Identity\\u202e']);
  });

  it('describe refuses names no protoc would write (the registry checks them), and its error quotes them escaped', async () => {
    const r = await certrpc('describe', address);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^certrpc: the schema from the server \(reflection\) cannot be used: evil\.proto: invalid service name /);
    expect(r.stderr).not.toMatch(raw);
  });

  it('a server that sends file after file without end is stopped at a bound, not followed until memory runs out', async () => {
    const r = await certrpc('describe', address, 'endless.v1.Svc');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^certrpc: the schema from the server \(reflection\) cannot be used: more than 10000 files/);
  });
});
