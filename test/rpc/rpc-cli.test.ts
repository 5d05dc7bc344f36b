// Issue 5 acceptance: certrpc list | describe | call against the demo server (`certrpc serve`
// with the repo's policy.yaml: alice is admin, bob a reader), as child processes over real mTLS.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CERTRPC, runCli, RunningServer, startCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { captureOutput } from '../helpers/test-run';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');

// Several CLI processes per test: on a loaded 2-core machine each can take seconds to start.
jest.setTimeout(90_000);

describe('certrpc list | describe | call against the demo server', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let server: RunningServer;
  let address: string;
  const certrpc = (args: string[], input?: string) => runCli(args, { input, env: { CERTRPC_DIR: dir } });

  beforeAll(async () => {
    await demoPki(dir);
    server = await startCli(['serve', '--demo', '--port', '0', '--dir', dir, '--policy', POLICY, '--audit', 'none', '--log-level', 'warn']);
    address = server.address;
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('list shows the demo services, Identity, health and reflection', async () => {
    const r = await certrpc(['list', address, '--identity', 'alice']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const services = r.stdout.trim().split('\n');
    expect(services).toEqual(
      expect.arrayContaining([
        'demo.v1.KeyValue',
        'demo.v1.Echo',
        'certrpc.v1.Identity',
        'grpc.health.v1.Health',
        'grpc.reflection.v1.ServerReflection',
        'grpc.reflection.v1alpha.ServerReflection',
      ]),
    );
  });

  it('list SERVICE shows its methods', async () => {
    const r = await certrpc(['list', address, 'demo.v1.KeyValue', '--identity', 'bob']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([
      'demo.v1.KeyValue.Get',
      'demo.v1.KeyValue.Put',
      'demo.v1.KeyValue.Delete',
      'demo.v1.KeyValue.Watch',
    ]);
  });

  it('describe demo.v1.KeyValue.Put prints the method and its request and response types as proto source', async () => {
    const r = await certrpc(['describe', address, 'demo.v1.KeyValue.Put', '--identity', 'alice']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rpc Put(.demo.v1.PutRequest) returns (.demo.v1.PutResponse);');
    expect(r.stdout).toMatch(/message PutRequest \{\n {2}string key = 1;\n {2}string value = 2;\n\}/);
    expect(r.stdout).toContain('message PutResponse {}');
  });

  it('describe shows streaming methods, messages with their field names as written, and an unknown symbol exits 1 with what to do', async () => {
    const svc = await certrpc(['describe', address, 'demo.v1.Echo', '--identity', 'alice']);
    expect(svc.stdout).toContain('rpc Chat(stream .demo.v1.SayRequest) returns (stream .demo.v1.SayResponse);');
    const message = await certrpc(['describe', address, 'certrpc.v1.WhoAmIResponse', '--identity', 'bob']);
    expect(message.stdout).toMatch(
      /^\/\/ certrpc\.v1\.WhoAmIResponse is a message:\nmessage WhoAmIResponse \{\n {2}string common_name = 1;\n {2}repeated string sans = 2;/,
    );
    const missing = await certrpc(['describe', address, 'demo.v1.Nope', '--identity', 'alice']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /"demo\.v1\.Nope" is not a service, method, message or enum known to the server \(reflection\)\n {2}fix: run certrpc list/,
    );
  });

  it("call WhoAmI prints the caller's JSON", async () => {
    const r = await certrpc(['call', address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'bob']);
    expect(r.code).toBe(0);
    const me = JSON.parse(r.stdout);
    expect(me).toMatchObject({
      commonName: 'bob',
      spiffeId: 'spiffe://certrpc.demo/user/bob',
      roles: ['reader'],
      issuer: 'CN=certrpc demo CA',
    });
  });

  it('Put with -d, Get with -d @- (stdin) and -d @file round-trip; --emit-defaults prints zero values', async () => {
    const put = await certrpc(['call', address, 'demo.v1.KeyValue/Put', '--identity', 'alice', '-d', '{"key":"greeting","value":"hello"}']);
    expect(put).toMatchObject({ code: 0, stdout: '{}\n' });
    const get = await certrpc(['call', address, 'demo.v1.KeyValue.Get', '--identity', 'bob', '-d', '@-'], '{\n  "key": "greeting"\n}\n');
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout)).toEqual({ key: 'greeting', value: 'hello', found: true });
    const file = join(tmp.dir, 'get.json');
    writeFileSync(file, '{"key":"absent"}');
    const absent = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '--identity', 'bob', '-d', `@${file}`, '--emit-defaults']);
    expect(JSON.parse(absent.stdout)).toEqual({ key: 'absent', value: '', found: false });
  });

  it("a denied call exits 64+7 with PERMISSION_DENIED and the server's message on stderr", async () => {
    const r = await certrpc(['call', address, 'demo.v1.KeyValue/Put', '--identity', 'bob', '-d', '{"key":"k","value":"v"}']);
    expect(r.code).toBe(71);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^certrpc: PERMISSION_DENIED \(7\): CN=bob .*may not call \/demo\.v1\.KeyValue\/Put/);
  });

  it('Watch streams each change as one JSON line', async () => {
    const watch = spawn(
      process.execPath,
      [CERTRPC, 'call', address, 'demo.v1.KeyValue/Watch', '--identity', 'bob', '-d', '{"prefix":"room/"}', '-v'],
      { env: { ...process.env, CERTRPC_DIR: dir } },
    );
    captureOutput(watch, ['call', 'KeyValue/Watch']);
    let stdout = '';
    let stderr = '';
    watch.stdout.on('data', (d) => (stdout += d));
    const live = new Promise<void>((resolve) =>
      watch.stderr.on('data', (d) => (stderr += d) && stderr.includes('< response headers') && resolve()),
    );
    const twoLines = new Promise<void>((resolve) => watch.stdout.on('data', () => stdout.split('\n').length > 2 && resolve()));
    try {
      await live; // the server sends headers once the watch is registered
      await certrpc(['call', address, 'demo.v1.KeyValue/Put', '--identity', 'alice', '-d', '{"key":"room/1","value":"hi"}']);
      await certrpc(['call', address, 'demo.v1.KeyValue/Delete', '--identity', 'alice', '-d', '{"key":"room/1"}']);
      await twoLines;
    } finally {
      watch.kill();
    }
    expect(
      stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { key: 'room/1', value: 'hi' },
      { key: 'room/1', deleted: true },
    ]);
    expect(stderr).toContain('> /demo.v1.KeyValue/Watch');
  });

  it('client streaming (Collect) and bidi (Chat) read NDJSON from stdin; server streaming (Repeat) prints NDJSON', async () => {
    const lines = '{"message":"a"}\n{"message":"b"}\n\n{"message":"c"}\n';
    const collect = await certrpc(['call', address, 'demo.v1.Echo/Collect', '--identity', 'alice', '-d', '@-'], lines);
    expect(collect.code).toBe(0);
    expect(JSON.parse(collect.stdout)).toEqual({ message: 'a b c', index: 3 });
    const chat = await certrpc(['call', address, 'demo.v1.Echo/Chat', '--identity', 'alice', '-d', '@-', '--emit-defaults'], lines);
    expect(chat.code).toBe(0);
    expect(
      chat.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(['a', 'b', 'c'].map((message, index) => ({ message, index })));
    const repeat = await certrpc(['call', address, 'demo.v1.Echo/Repeat', '--identity', 'alice', '-d', '{"message":"x","repeat":3}']);
    expect(repeat.stdout).toBe('{"message":"x"}\n{"message":"x","index":1}\n{"message":"x","index":2}\n');
  });

  it('-v shows the method, request headers from -H, response headers, trailers, counts; stdout stays JSON', async () => {
    const r = await certrpc([
      'call',
      address,
      'demo.v1.Echo/Say',
      '--identity',
      'bob',
      '-d',
      '{"message":"hi"}',
      '-H',
      'x-request-id: 42',
      '-H',
      'x-trace-bin: AQID',
      '-v',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ message: 'hi' });
    expect(r.stderr).toContain('> /demo.v1.Echo/Say');
    expect(r.stderr).toMatch(/> request headers:\n> {3}x-request-id: 42\n> {3}x-trace-bin: AQID/);
    expect(r.stderr).toMatch(/< response headers:\n< {3}content-type: application\/grpc/);
    expect(r.stderr).toContain('< response trailers:');
    expect(r.stderr).toContain('< status: OK (0)');
    expect(r.stderr).toMatch(/\* sent 1 message, received 1 message/);
  });

  it('bad input is a usage error (exit 2) naming the flag and the fix', async () => {
    const badMethod = await certrpc(['call', address, 'WhoAmI', '--identity', 'alice']);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toMatch(/bad method "WhoAmI"\n {2}fix: write pkg\.Service\/Method/);
    const badJson = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '--identity', 'alice', '-d', '{"key":']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toMatch(/-d: -d is not JSON/);
    const badField = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '--identity', 'alice', '-d', '{"nope":1}']);
    expect(badField.code).toBe(2);
    expect(badField.stderr).toMatch(
      /is not a valid demo\.v1\.GetRequest: .*nope[\s\S]*fix: check the field names and types: certrpc describe ADDR demo\.v1\.GetRequest/,
    );
    const twoForUnary = await certrpc(
      ['call', address, 'demo.v1.KeyValue/Get', '--identity', 'alice', '-d', '@-'],
      '{"key":"a"}\n{"key":"b"}\n',
    );
    expect(twoForUnary.code).toBe(2);
    expect(twoForUnary.stderr).toMatch(/stdin holds 2 messages, but this method takes exactly one request/);
    const badHeader = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '--identity', 'alice', '-H', 'no colon']);
    expect(badHeader.code).toBe(2);
  });

  it('--max-time ends a call that runs too long with DEADLINE_EXCEEDED (exit 64+4)', async () => {
    const r = await certrpc(['call', address, 'demo.v1.KeyValue/Watch', '--identity', 'bob', '-d', '{}', '--max-time', '1.5']);
    expect(r.code).toBe(68);
    expect(r.stderr).toMatch(/^certrpc: DEADLINE_EXCEEDED \(4\)/);
  });
});
