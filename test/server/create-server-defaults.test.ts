// createServer() on createInterceptor(): one secure default (no policy: everything but health and
// WhoAmI is denied, and the log says so once), allowAllAuthenticated() as the explicit opt-out,
// and grpc-js interceptors of the user kept, running after certrpc's gate: they never see a call
// the gate denied.
import { Metadata, ServerInterceptingCall, ServerInterceptor, status as Status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { createClient } from '../../src/client/create-client';
import { unary } from '../../src/client/unary';
import { keyValueService } from '../../src/demo/kv-service';
import { KeyValueClient } from '../../src/gen/demo/v1/kv';
import { createLogger } from '../../src/log/logger';
import { CertrpcServer, createServer, CreateServerOptions } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { grpcError } from '../helpers/calls';
import { logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');

describe('createServer: the secure default, allowAllAuthenticated, user interceptors', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const servers: CertrpcServer[] = [];

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.shutdown(1000)));
    tmp.cleanup();
  });

  async function serve(options: Partial<CreateServerOptions>): Promise<string> {
    const id = pki.loadIdentity('server');
    const server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [keyValueService()],
      ...options,
    });
    servers.push(server);
    return `127.0.0.1:${(await server.listen()).port}`;
  }

  function put(address: string, who: string) {
    const kv = createClient(KeyValueClient, address, { tls: clientTls(pki, who) });
    return unary(kv, kv.put, { key: 'k', value: who }).finally(() => kv.close());
  }

  it('without a policy denies every method but health and WhoAmI, and logs it once', async () => {
    const logFile = join(tmp.dir, 'default.log');
    const address = await serve({ logger: createLogger({ destination: logFile, level: 'info' }) });
    const err = await grpcError(put(address, 'alice'));
    expect(err.code).toBe(Status.PERMISSION_DENIED);
    expect(err.details).toMatch(/CN=alice .*may not call \/demo\.v1\.KeyValue\/Put: this server runs without an authorization policy/);
    await grpcError(put(address, 'bob'));
    const kv = createClient(KeyValueClient, address, { tls: clientTls(pki, 'alice') });
    const health = await new Promise<Buffer>((resolve, reject) =>
      kv.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e, r) => (e ? reject(e) : resolve(r!)),
      ),
    );
    kv.close();
    expect(health.toString('hex')).toBe('0801'); // status: SERVING
    await servers[servers.length - 1].shutdown(1000);
    const warnings = logLines(readFileSync(logFile, 'utf8')).filter((l) => l.event === 'no_policy');
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toMatch(/^no authorization policy given: this server denies every call except health checks/);
    expect(String(warnings[0].fix)).toMatch(/allowAllAuthenticated\(\)/);
    expect(String(warnings[0].msg) + String(warnings[0].fix)).not.toMatch(/--/);
  });

  it('allowAllAuthenticated() lets every authenticated caller call every method', async () => {
    const address = await serve({ policy: allowAllAuthenticated() });
    await expect(put(address, 'alice')).resolves.toEqual({});
    await expect(put(address, 'bob')).resolves.toEqual({});
  });

  it('keeps the user interceptors, after the gate: they see allowed calls only, with the caller known', async () => {
    const seen: string[] = [];
    const recording =
      (label: string): ServerInterceptor =>
      (descriptor, call) =>
        new ServerInterceptingCall(call, {
          start(next) {
            next({
              onReceiveMetadata(metadata: Metadata, nextMetadata) {
                seen.push(`${label} ${descriptor.path}`);
                nextMetadata(metadata);
              },
            });
          },
        });
    const address = await serve({
      policyFile: POLICY,
      audit: { mode: 'none' },
      interceptors: [recording('option')],
      grpcOptions: { interceptors: [recording('grpcOptions')] },
    });
    await expect(put(address, 'alice')).resolves.toEqual({});
    expect(seen).toEqual(['option /demo.v1.KeyValue/Put', 'grpcOptions /demo.v1.KeyValue/Put']);
    seen.length = 0;
    const denied = await grpcError(put(address, 'bob'));
    expect(denied.code).toBe(Status.PERMISSION_DENIED);
    expect(denied.details).toBe('CN=bob (roles: reader) may not call /demo.v1.KeyValue/Put: allowed roles are admin');
    expect(seen).toEqual([]);
  });
});
