// Issue 5 acceptance: a server started without reflection (`certrpc serve --no-reflection`) is
// called with the schema from .proto files (`--proto FILE... --import-path DIR...`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, RunningServer, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const ROOT = join(__dirname, '..', '..');
const PROTOS = ['--proto', 'demo/v1/kv.proto', 'demo/v1/echo.proto', '--import-path', join(ROOT, 'proto')];

// Several CLI processes per test: on a loaded 2-core machine each can take seconds to start.
jest.setTimeout(90_000);

describe('--proto mode against a server without reflection', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let server: RunningServer;
  const certrpc = (args: string[], input?: string) => runCli(args, { input, env: { CERTRPC_DIR: dir } });

  beforeAll(async () => {
    await demoPki(dir);
    server = await startCli([
      'serve',
      '--demo',
      '--port',
      '0',
      '--dir',
      dir,
      '--policy',
      join(ROOT, 'policy.yaml'),
      '--audit',
      'none',
      '--log-level',
      'warn',
      '--no-reflection',
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('without --proto, list says the server has no reflection and how to go on (exit 64+12)', async () => {
    const r = await certrpc(['list', server.address, '--identity', 'alice']);
    expect(r.code).toBe(76);
    expect(r.stderr).toMatch(/^certrpc: UNIMPLEMENTED \(12\)/);
    expect(r.stderr).toMatch(/the server does not offer reflection\n {2}fix: pass the schema with --proto FILE/);
  });

  it("certrpc's own services need no --proto: WhoAmI and health checks use the schema certrpc ships", async () => {
    const me = await certrpc(['call', server.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'bob']);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ commonName: 'bob', roles: ['reader'] });
    const health = await certrpc(['call', server.address, 'grpc.health.v1.Health/Check', '--identity', 'bob']);
    expect(JSON.parse(health.stdout)).toEqual({ status: 'SERVING' });
  });

  it('call, list and describe work from the .proto files', async () => {
    const put = await certrpc([
      'call',
      server.address,
      'demo.v1.KeyValue/Put',
      '--identity',
      'alice',
      '-d',
      '{"key":"k","value":"from protos"}',
      ...PROTOS,
    ]);
    expect(put.code).toBe(0);
    const get = await certrpc(['call', server.address, 'demo.v1.KeyValue/Get', '--identity', 'bob', '-d', '{"key":"k"}', ...PROTOS]);
    expect(JSON.parse(get.stdout)).toEqual({ key: 'k', value: 'from protos', found: true });
    const chat = await certrpc(
      ['call', server.address, 'demo.v1.Echo/Chat', '--identity', 'alice', '-d', '@-', ...PROTOS],
      '{"message":"x"}\n{"message":"y"}\n',
    );
    expect(chat.stdout).toBe('{"message":"x"}\n{"message":"y","index":1}\n');
    const list = await certrpc(['list', server.address, '--identity', 'alice', ...PROTOS]);
    expect(list.stdout.trim().split('\n')).toEqual(['demo.v1.Echo', 'demo.v1.KeyValue']);
  });

  it('describe prints maps, oneofs, optionals, enums, nested and well-known types from a .proto file', async () => {
    writeFileSync(
      join(tmp.dir, 'event.proto'),
      `syntax = "proto3";
package t.v1;
import "google/protobuf/timestamp.proto";
message Event {
  enum Kind { KIND_UNSPECIFIED = 0; KIND_ONE = 1; }
  message Tag { string name = 1; }
  google.protobuf.Timestamp at = 1;
  map<string, int64> counts = 2;
  oneof body { string text = 3; bytes blob = 4; }
  optional string note = 5;
  Kind kind = 6;
  repeated Tag tags = 7;
}
`,
    );
    const r = await certrpc([
      'describe',
      server.address,
      't.v1.Event',
      '--identity',
      'alice',
      '--proto',
      'event.proto',
      '--import-path',
      tmp.dir,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        '// t.v1.Event is a message:',
        'message Event {',
        '  .google.protobuf.Timestamp at = 1;',
        '  map<string, int64> counts = 2;',
        '  oneof body {',
        '    string text = 3;',
        '    bytes blob = 4;',
        '  }',
        '  optional string note = 5;',
        '  .t.v1.Event.Kind kind = 6;',
        '  repeated .t.v1.Event.Tag tags = 7;',
        '  message Tag {',
        '    string name = 1;',
        '  }',
        '  enum Kind {',
        '    KIND_UNSPECIFIED = 0;',
        '    KIND_ONE = 1;',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('a missing .proto file is named, with the fix', async () => {
    const r = await certrpc(['call', server.address, 'demo.v1.KeyValue/Get', '--identity', 'alice', '--proto', 'nope.proto']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /nope\.proto: proto file not found\n {2}fix: check the path, or add the directory it is relative to with --import-path DIR/,
    );
  });
});
