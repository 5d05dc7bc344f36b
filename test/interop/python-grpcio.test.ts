// Issue 5 acceptance (interop): certrpc call talks to a gRPC server certrpc did not write: Python
// grpcio (Debian's python3-grpcio) with mutual TLS, using the same certificates. The Python stubs
// are generated here, into the suite's temp dir, by grpc_tools.protoc from proto/.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CERTRPC, runCli } from '../helpers/cli';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { captureOutput } from '../helpers/test-run';

// Debian's modules live in the system Python, not in a pyenv build that may come first on PATH.
const PYTHON = process.env.CERTRPC_TEST_PYTHON ?? '/usr/bin/python3';
const ROOT = join(__dirname, '..', '..');
const PROTOS = ['--proto', 'demo/v1/kv.proto', 'demo/v1/echo.proto', '--import-path', join(ROOT, 'proto')];

function requirePythonGrpc(): void {
  const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools.protoc'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    throw new Error(
      `the interop test needs Python grpcio and grpc_tools in ${PYTHON}: ${probe.error?.message ?? probe.stderr.trim()}\n` +
        '  fix: apt-get update && apt-get install -y python3-grpcio python3-grpc-tools   (.ci/run installs them)',
    );
  }
}

function startPythonServer(args: string[]): Promise<{ child: ChildProcess; address: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [join(__dirname, 'kv_server.py'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+:\d+)/.exec(out);
      if (m) resolve({ child, address: m[1] });
    });
    child.on('exit', (code) => reject(new Error(`the Python server exited with ${code} before listening:\n${out}\n${err}`)));
  });
}

// Several CLI processes per test: on a loaded 2-core machine each can take seconds to start.
jest.setTimeout(90_000);

describe('certrpc call against a Python grpcio server over mTLS', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  let python: ChildProcess | undefined;
  let address: string;
  const certrpc = (args: string[], input?: string) => runCli(args, { input, env: { CERTRPC_DIR: dir } });

  beforeAll(async () => {
    requirePythonGrpc();
    const pki = await demoPki(dir);
    const stubs = join(tmp.dir, 'stubs');
    mkdirSync(stubs);
    const protoc = spawnSync(
      PYTHON,
      [
        '-m',
        'grpc_tools.protoc',
        '-I',
        join(ROOT, 'proto'),
        `--python_out=${stubs}`,
        `--grpc_python_out=${stubs}`,
        'demo/v1/kv.proto',
        'demo/v1/echo.proto',
      ],
      {
        encoding: 'utf8',
      },
    );
    if (protoc.status !== 0) throw new Error(`grpc_tools.protoc failed: ${protoc.stderr}`);
    const server = await startPythonServer([stubs, pki.certFile('server'), pki.keyFile('server'), pki.caCertFile]);
    python = server.child;
    address = server.address;
  });
  afterAll(() => {
    python?.kill('SIGTERM');
    tmp.cleanup();
  });

  it('unary calls round-trip, and the Python side sees the certificate certrpc presented', async () => {
    const put = await certrpc([
      'call',
      address,
      'demo.v1.KeyValue/Put',
      '--identity',
      'alice',
      '-d',
      '{"key":"lang","value":"python"}',
      ...PROTOS,
    ]);
    expect(put).toMatchObject({ code: 0, stdout: '{}\n' });
    const get = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '--identity', 'bob', '-d', '@-', ...PROTOS], '{"key":"lang"}');
    expect(JSON.parse(get.stdout)).toEqual({ key: 'lang', value: 'python', found: true });
    const caller = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '--identity', 'bob', '-d', '{"key":"__caller__"}', ...PROTOS]);
    expect(JSON.parse(caller.stdout).value).toBe('bob');
  });

  it('bidi streaming (Echo/Chat) with NDJSON, and a Python status error maps to 64+N', async () => {
    const chat = await certrpc(
      ['call', address, 'demo.v1.Echo/Chat', '--identity', 'alice', '-d', '@-', ...PROTOS],
      '{"message":"a"}\n{"message":"b"}\n',
    );
    expect(chat).toMatchObject({ code: 0, stdout: '{"message":"a"}\n{"message":"b","index":1}\n' });
    const bad = await certrpc(['call', address, 'demo.v1.KeyValue/Put', '--identity', 'alice', '-d', '{"key":""}', ...PROTOS]);
    expect(bad.code).toBe(67);
    expect(bad.stderr).toMatch(/^certrpc: INVALID_ARGUMENT \(3\): key must not be empty/);
  });

  it('server streaming (KeyValue/Watch) prints each change as it comes', async () => {
    const watch = spawn(
      process.execPath,
      [CERTRPC, 'call', address, 'demo.v1.KeyValue/Watch', '--identity', 'bob', '-d', '{"prefix":"py/"}', '-v', ...PROTOS],
      { env: { ...process.env, CERTRPC_DIR: dir } },
    );
    captureOutput(watch, ['call', 'KeyValue/Watch']);
    let stdout = '';
    let stderr = '';
    const live = new Promise<void>((resolve) =>
      watch.stderr.on('data', (d) => (stderr += d) && stderr.includes('< response headers') && resolve()),
    );
    const oneLine = new Promise<void>((resolve) => watch.stdout.on('data', (d) => (stdout += d) && stdout.includes('\n') && resolve()));
    try {
      await live;
      await certrpc(['call', address, 'demo.v1.KeyValue/Put', '--identity', 'alice', '-d', '{"key":"py/1","value":"x"}', ...PROTOS]);
      await oneLine;
    } finally {
      watch.kill();
    }
    expect(JSON.parse(stdout.split('\n')[0])).toEqual({ key: 'py/1', value: 'x' });
  });

  it("the Python server's refusals are explained too (no certificate; a self-signed one)", async () => {
    const none = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '-d', '{}', ...PROTOS]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/the server refused the connection: the server requires a client certificate and you sent none/);
    const mallory = await certrpc(['call', address, 'demo.v1.KeyValue/Get', '--identity', 'mallory', '-d', '{}', ...PROTOS]);
    expect(mallory.code).toBe(1);
    expect(mallory.stderr).toMatch(/the server refused your certificate: it is self-signed \("CN=mallory"\)/);
  });

  it('without reflection on the Python side, list says to pass --proto; doctor passes the TLS steps and skips the certrpc ones', async () => {
    const list = await certrpc(['list', address, '--identity', 'alice']);
    expect(list.code).toBe(76);
    expect(list.stderr).toMatch(/fix: pass the schema with --proto/);
    const doctor = await certrpc(['doctor', address, '--identity', 'alice']);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(/ok {4}client certificate accepted/);
    expect(doctor.stdout).toMatch(/skip {2}WhoAmI +not offered: this is not a certrpc server/);
  });
});
