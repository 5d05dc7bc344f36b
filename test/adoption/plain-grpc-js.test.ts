// Issue 14 acceptance: certrpc's policy engine in a plain grpc-js server, built exactly as
// grpc-js's README builds one (a proto-loader service, ServerCredentials.createSsl(ca, pairs,
// true)), with createInterceptor() as its one interceptor; the caller is an independent client,
// Python grpcio, allowed and denied by the demo policy. The handler reads callerOf(call) and
// answers with the caller's CN, so the test sees the handler got the caller the gate decided on.
// Also: revocation from DIR/crl.pem, which grpc-js's own listener cannot check.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { revokeCertificate } from '../../src/entry/lifecycle';
import { callerOf, CertrpcInterceptor, createInterceptor } from '../../src/entry/server';
import { PkiDir } from '../../src/store/pki-dir';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const PYTHON = process.env.CERTRPC_TEST_PYTHON ?? '/usr/bin/python3';
const ROOT = join(__dirname, '..', '..');

type Answer = { ok: true; response: { key?: string; value?: string; found?: boolean } } | { ok: false; code: string; details: string };

jest.setTimeout(90_000);

describe('createInterceptor() in a plain grpc-js server, called from Python grpcio', () => {
  const tmp = tempDir();
  const dir = join(tmp.dir, 'certs');
  const stubs = join(tmp.dir, 'stubs');
  let pki: PkiDir;
  let server: grpc.Server;
  let interceptor: CertrpcInterceptor;
  let address: string;
  const values = new Map<string, string>();

  /** One call from Python: `METHOD KEY [VALUE]` as NAME (NAME.crt/.key from the PKI). */
  function python(name: string, method: 'Get' | 'Put', key: string, value?: string): Promise<Answer> {
    const args = [
      join(__dirname, 'kv_client.py'),
      stubs,
      address,
      pki.certFile(name),
      pki.keyFile(name),
      pki.caCertFile,
      method,
      key,
      ...(value === undefined ? [] : [value]),
    ];
    return new Promise((resolve, reject) => {
      const child = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as Answer) : reject(new Error(`kv_client.py exited ${code}: ${err}`)),
      );
    });
  }

  beforeAll(async () => {
    const probe = spawnSync(PYTHON, ['-c', 'import grpc, grpc_tools.protoc'], { encoding: 'utf8' });
    if (probe.status !== 0)
      throw new Error(
        `this test needs Python grpcio and grpc_tools in ${PYTHON}\n  fix: apt-get install -y python3-grpcio python3-grpc-tools`,
      );
    pki = await demoPki(dir);
    mkdirSync(stubs);
    const protoc = spawnSync(
      PYTHON,
      ['-m', 'grpc_tools.protoc', '-I', join(ROOT, 'proto'), `--python_out=${stubs}`, `--grpc_python_out=${stubs}`, 'demo/v1/kv.proto'],
      { encoding: 'utf8' },
    );
    if (protoc.status !== 0) throw new Error(`grpc_tools.protoc failed: ${protoc.stderr}`);

    // --- as grpc-js's README: a proto-loader service, an implementation, a Server, createSsl ---
    const packageDefinition = protoLoader.loadSync(join(ROOT, 'proto', 'demo', 'v1', 'kv.proto'), {
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    const proto = grpc.loadPackageDefinition(packageDefinition) as unknown as { demo: { v1: { KeyValue: grpc.ServiceClientConstructor } } };
    interceptor = createInterceptor({
      policyFile: join(ROOT, 'policy.yaml'),
      audit: { mode: 'none' },
      clientCaFiles: [pki.caCertFile],
      crlFile: pki.crlFile,
      reloadIntervalMs: 200,
    });
    server = new grpc.Server({ interceptors: [interceptor] });
    server.addService(proto.demo.v1.KeyValue.service, {
      Get(call: grpc.ServerUnaryCall<{ key: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
        // Who called, as certrpc's interceptor established it from the client certificate.
        const cn = callerOf(call).identity.commonName;
        if (call.request.key === '__caller__') return callback(null, { key: call.request.key, value: cn, found: true });
        callback(null, { key: call.request.key, value: values.get(call.request.key) ?? '', found: values.has(call.request.key) });
      },
      Put(call: grpc.ServerUnaryCall<{ key: string; value: string }, unknown>, callback: grpc.sendUnaryData<unknown>) {
        values.set(call.request.key, `${call.request.value} (put by ${callerOf(call).identity.commonName})`);
        callback(null, {});
      },
    });
    const credentials = grpc.ServerCredentials.createSsl(
      readFileSync(pki.caCertFile),
      [{ cert_chain: readFileSync(pki.certFile('server')), private_key: readFileSync(pki.keyFile('server')) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
    await interceptor.ready;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.tryShutdown(() => resolve()));
    interceptor?.close();
    tmp.cleanup();
  });

  it('alice (admin) may Put; the handler saw alice', async () => {
    expect(await python('alice', 'Put', 'lang', 'python')).toEqual({ ok: true, response: {} });
    expect(await python('alice', 'Get', 'lang')).toEqual({
      ok: true,
      response: { key: 'lang', value: 'python (put by alice)', found: true },
    });
  });

  it('bob (reader) may Get, and the handler reads his CN with callerOf(call)', async () => {
    expect(await python('bob', 'Get', '__caller__')).toEqual({ ok: true, response: { key: '__caller__', value: 'bob', found: true } });
  });

  it("bob may not Put: PERMISSION_DENIED with certrpc's denial sentence, and the handler never ran", async () => {
    const before = new Map(values);
    expect(await python('bob', 'Put', 'lang', 'bob was here')).toEqual({
      ok: false,
      code: 'PERMISSION_DENIED',
      details: 'CN=bob (roles: reader) may not call /demo.v1.KeyValue/Put: allowed roles are admin',
    });
    expect(values).toEqual(before);
  });

  it("mallory (self-signed) never gets past grpc-js's TLS: UNAVAILABLE, no handler", async () => {
    const r = await python('mallory', 'Get', '__caller__');
    expect(r).toMatchObject({ ok: false, code: 'UNAVAILABLE' });
  });

  it("a certificate revoked in DIR/crl.pem is refused on its next call (grpc-js's listener has no CRL; the interceptor checks every call)", async () => {
    expect(await python('bob', 'Get', '__caller__')).toMatchObject({ ok: true });
    const reloader = await interceptor.crl!;
    const reloaded = reloader.nextReload();
    await revokeCertificate(pki, { name: 'bob' }, { reason: 'keyCompromise' });
    expect(await reloaded).toMatchObject({ ok: true });
    const refused = await python('bob', 'Get', '__caller__');
    expect(refused).toMatchObject({ ok: false, code: 'UNAUTHENTICATED' });
    expect((refused as { details: string }).details).toMatch(
      /^the client certificate CN=bob \(serial [0-9a-f]+\) was revoked at .* \(keyCompromise\); ask the operator for a new certificate$/,
    );
    expect(await python('alice', 'Get', '__caller__')).toEqual({ ok: true, response: { key: '__caller__', value: 'alice', found: true } });
  });
});
