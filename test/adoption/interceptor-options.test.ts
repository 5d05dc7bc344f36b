// createInterceptor() behind grpc-js's own TLS listener: revocation fails closed (a broken CRL
// refuses every call, never admits one; no CAs for the CRL is a configuration error), open calls of
// a newly revoked certificate end, and issuer-bound principals match only when the interceptor
// knows the trusted CAs (grpc-js records no issuing CA).
import * as grpc from '@grpc/grpc-js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createClient } from '../../src/client/create-client';
import { unary } from '../../src/client/unary';
import { keyValueService } from '../../src/demo/kv-service';
import { CertrpcError } from '../../src/errors/certrpc-error';
import { KeyValueClient } from '../../src/gen/demo/v1/kv';
import { revokeCertificate } from '../../src/lifecycle/revoke';
import { ServerMetrics } from '../../src/metrics/server-metrics';
import { CertrpcInterceptor, createInterceptor, InterceptorOptions } from '../../src/server/create-interceptor';
import { PkiDir } from '../../src/store/pki-dir';
import { grpcError } from '../helpers/calls';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

describe('createInterceptor behind ServerCredentials.createSsl', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const running: { server: grpc.Server; interceptor: CertrpcInterceptor }[] = [];

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    writeFileSync(
      join(tmp.dir, 'bound.yaml'),
      [
        'roles:',
        '  admin: [{ cn: alice, issuer: "CN=certrpc demo CA" }]',
        '  reader: [{ cn: bob }]',
        'rules:',
        '  - { name: admin-all, roles: [admin], methods: ["*"] }',
        '  - { name: reads, roles: [reader], methods: [/demo.v1.KeyValue/Get, /demo.v1.KeyValue/Watch] }',
        'audit: { log: none }',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    for (const { server, interceptor } of running) {
      server.forceShutdown();
      interceptor.close();
    }
    tmp.cleanup();
  });

  async function serve(options: InterceptorOptions): Promise<{ address: string; interceptor: CertrpcInterceptor }> {
    const interceptor = createInterceptor({ audit: { mode: 'none' }, reloadIntervalMs: 200, ...options });
    const server = new grpc.Server({ interceptors: [interceptor] });
    const kv = keyValueService();
    server.addService(kv.definition, kv.implementation);
    const id = pki.loadIdentity('server');
    const credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(id.caPem),
      [{ cert_chain: Buffer.from(id.certPem), private_key: Buffer.from(id.keyPem) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))),
    );
    running.push({ server, interceptor });
    return { address: `127.0.0.1:${port}`, interceptor };
  }

  const kvAs = (address: string, who: string) =>
    createClient(KeyValueClient, address, { tls: clientTls(pki, who), authority: 'localhost' });
  const put = (address: string, who: string) => {
    const kv = kvAs(address, who);
    return unary(kv, kv.put, { key: 'k', value: who }).finally(() => kv.close());
  };

  it('a CRL file needs the CAs that sign it: an error naming the option, before anything serves', () => {
    let err: unknown;
    try {
      createInterceptor({ crlFile: pki.crlFile, policyFile: join(tmp.dir, 'bound.yaml') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CertrpcError);
    expect(err).toMatchObject({
      option: 'crlFile',
      code: 'BAD_OPTIONS',
      message: 'a CRL cannot be checked without the CAs that sign it',
      fix: expect.stringMatching(/^give clientCaFiles too/),
    });
    expect((err as CertrpcError).describe()).not.toMatch(/--/);
  });

  it('a CRL file that cannot be loaded refuses every call (UNAVAILABLE), and ready rejects', async () => {
    const broken = join(tmp.dir, 'broken-crl.pem');
    writeFileSync(broken, '-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n');
    const logged: Record<string, unknown>[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
    const { address, interceptor } = await serve({
      policyFile: join(tmp.dir, 'bound.yaml'),
      clientCaFiles: [pki.caCertFile],
      crlFile: broken,
      logger,
    });
    await expect(interceptor.ready).rejects.toThrow();
    const err = await grpcError(put(address, 'alice'));
    expect(err.code).toBe(grpc.status.UNAVAILABLE);
    expect(err.details).toMatch(/cannot check revocation \(its CRL could not be loaded\)/);
    // The operator hears why, once, in the server log.
    expect(logged.filter((l) => l.event === 'crl_unavailable')).toHaveLength(1);
    expect(logged.find((l) => l.event === 'crl_unavailable')!.msg).toMatch(/CRL could not be loaded: every call is refused/);
  });

  it('issuer-bound principals match only when the interceptor knows the trusted CAs', async () => {
    const blind = await serve({ policyFile: join(tmp.dir, 'bound.yaml') });
    const denied = await grpcError(put(blind.address, 'alice'));
    expect(denied.code).toBe(grpc.status.PERMISSION_DENIED);
    const knowing = await serve({ policyFile: join(tmp.dir, 'bound.yaml'), clientCaPem: pki.loadIdentity('server').caPem });
    await expect(put(knowing.address, 'alice')).resolves.toEqual({});
    // With a CRL, the trusted CAs come from clientCaFiles (read with the CRL): alice's issuer is known.
    const fromFiles = await serve({ policyFile: join(tmp.dir, 'bound.yaml'), clientCaFiles: [pki.caCertFile], crlFile: pki.crlFile });
    await fromFiles.interceptor.ready;
    await expect(put(fromFiles.address, 'alice')).resolves.toEqual({});
  });

  it('the metrics given count every decision, allowed and denied', async () => {
    const metrics = new ServerMetrics({ processMetrics: false });
    const { address } = await serve({ policyFile: join(tmp.dir, 'bound.yaml'), clientCaPem: pki.loadIdentity('server').caPem, metrics });
    await put(address, 'alice');
    expect((await grpcError(put(address, 'bob'))).code).toBe(grpc.status.PERMISSION_DENIED);
    const text = await metrics.text();
    expect(text).toMatch(/certrpc_authz_decisions_total\{decision="allow",rule="admin-all",[^}]*\} 1/);
    expect(text).toMatch(/certrpc_authz_decisions_total\{decision="deny",[^}]*\} 1/);
  });

  it('a newly revoked certificate: its open Watch ends UNAUTHENTICATED when the CRL changes, its next call is refused', async () => {
    const { address, interceptor } = await serve({
      policyFile: join(tmp.dir, 'bound.yaml'),
      clientCaFiles: [pki.caCertFile],
      crlFile: pki.crlFile,
    });
    await interceptor.ready;
    const kv = kvAs(address, 'bob');
    const watch = kv.watch({ prefix: '' });
    const ended = new Promise<grpc.ServiceError>((resolve) => watch.on('error', resolve));
    watch.on('data', () => undefined);
    // The stream is live: its handler sent headers, so the gate (and its revocation tracking) ran before it.
    await new Promise((resolve) => watch.once('metadata', resolve));
    const reloader = await interceptor.crl!;
    const reloaded = reloader.nextReload();
    await revokeCertificate(pki, { name: 'bob' });
    expect(await reloaded).toMatchObject({ ok: true });
    const err = await ended;
    expect(err.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err.details).toMatch(/^the client certificate CN=bob \(serial [0-9a-f]+\) was revoked at /);
    const again = await grpcError(unary(kv, kv.get, { key: 'k' }));
    expect(again.code).toBe(grpc.status.UNAUTHENTICATED);
    kv.close();
  });
});
