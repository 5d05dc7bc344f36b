// Issue 4 acceptance over real mutual TLS: certificate -> roles -> methods, decided by the call
// gate before any handler; denials carry a message a human can act on.
import { Client, Metadata, status as Status } from '@grpc/grpc-js';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { authorization, Authorization } from '../../src/authz/authorization';
import { createClient } from '../../src/client/create-client';
import { serveDirectory } from '../../src/app/serve-directory';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { clientTls, demoPki, issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const KV = '/demo.v1.KeyValue';

describe('authorization over mTLS (e2e policy: demo roles + SAN-only roles + a deny rule)', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let authz: Authorization;
  let server: CertrpcServer;
  let address: string;
  const open: Client[] = [];

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    await issue(pki, 'carol'); // trusted by the CA, named in no role
    await issue(pki, 'billing-7', { commonName: 'device-1', san: 'URI:spiffe://certrpc.demo/svc/billing-7' });
    await issue(pki, 'worker', { commonName: 'device-2', san: 'DNS:w1.batch.certrpc.demo' });
    const policyFile = join(tmp.dir, 'policy.yaml');
    copyFileSync(join(__dirname, 'fixtures', 'e2e-policy.yaml'), policyFile);
    authz = authorization({ policyFile, audit: { mode: 'none' } });
    server = await serveDirectory({ pki, demo: true, port: 0, authorization: authz });
    address = `127.0.0.1:${server.listening!.port}`;
  });
  afterAll(async () => {
    open.forEach((c) => c.close());
    await server.shutdown(1000);
    authz.close();
    tmp.cleanup();
  });

  const as = (name: string) => {
    const clients = demoClients(address, clientTls(pki, name));
    const echo = createClient(EchoClient, address, { tls: clientTls(pki, name) });
    open.push(clients.identity, clients.kv, echo);
    return { ...clients, echo };
  };

  /** Opens Watch and resolves 'ok' once the server has sent headers (the handler ran), or the error. */
  const watch = (kv: ReturnType<typeof as>['kv']) =>
    new Promise<string>((resolve) => {
      const stream = kv.watch({ prefix: 'x/' }, new Metadata());
      stream.once('metadata', () => {
        resolve('ok');
        stream.cancel();
      });
      stream.on('error', (err: { code: number; details: string }) => resolve(`${err.code} ${err.details}`));
    });

  it('alice (admin) may call everything, streaming included, and WhoAmI lists her role', async () => {
    const alice = as('alice');
    await unary(alice.kv, alice.kv.put, { key: 'k', value: 'v' });
    expect(await unary(alice.kv, alice.kv.get, { key: 'k' })).toMatchObject({ value: 'v' });
    expect(await unary(alice.kv, alice.kv.delete, { key: 'k' })).toEqual({ found: true });
    expect(await watch(alice.kv)).toBe('ok');
    expect(await unary(alice.echo, alice.echo.say, { message: 'hi' })).toMatchObject({ message: 'hi' });
    expect((await alice.whoAmI()).roles).toEqual(['admin']);
  });

  it("bob's Put and Delete fail with PERMISSION_DENIED and a message naming his roles and the allowed ones", async () => {
    const bob = as('bob');
    const put = await grpcError(unary(bob.kv, bob.kv.put, { key: 'k', value: 'v' }));
    expect(put.code).toBe(Status.PERMISSION_DENIED);
    expect(put.details).toBe(`CN=bob (roles: reader) may not call ${KV}/Put: allowed roles are admin`);
    const del = await grpcError(unary(bob.kv, bob.kv.delete, { key: 'k' }));
    expect(del.code).toBe(Status.PERMISSION_DENIED);
    expect(del.details).toBe(`CN=bob (roles: reader) may not call ${KV}/Delete: allowed roles are admin`);
  });

  it("bob's Get, Watch and WhoAmI succeed, and WhoAmI lists his roles", async () => {
    const bob = as('bob');
    expect(await unary(bob.kv, bob.kv.get, { key: 'nothing' })).toMatchObject({ found: false });
    expect(await watch(bob.kv)).toBe('ok');
    const me = await bob.whoAmI();
    expect(me).toMatchObject({ commonName: 'bob', roles: ['reader'] });
  });

  it('a certificate matched only by a SPIFFE ID (URI SAN) wildcard gets its role', async () => {
    const device = as('billing-7');
    expect(await device.whoAmI()).toMatchObject({
      commonName: 'device-1',
      spiffeId: 'spiffe://certrpc.demo/svc/billing-7',
      roles: ['billing'],
    });
    expect(await unary(device.echo, device.echo.say, { message: 'x' })).toMatchObject({ message: 'x' });
    const put = await grpcError(unary(device.kv, device.kv.put, { key: 'k', value: 'v' }));
    expect(put.code).toBe(Status.PERMISSION_DENIED);
  });

  it('a certificate matched only by a DNS SAN wildcard gets its role', async () => {
    const worker = as('worker');
    expect((await worker.whoAmI()).roles).toEqual(['batch']);
    expect(await unary(worker.kv, worker.kv.get, { key: 'k' })).toMatchObject({ found: false });
    expect((await grpcError(unary(worker.kv, worker.kv.put, { key: 'k', value: 'v' }))).code).toBe(Status.PERMISSION_DENIED);
  });

  it('a deny rule beats an allow rule (billing may call Echo/*, but not Collect)', async () => {
    const device = as('billing-7');
    const err = await grpcError(
      new Promise((resolve, reject) => {
        const stream = device.echo.collect((e, r) => (e ? reject(e) : resolve(r)));
        stream.end();
      }),
    );
    expect(err.code).toBe(Status.PERMISSION_DENIED);
    expect(err.details).toBe('CN=device-1 (roles: billing) may not call /demo.v1.Echo/Collect: denied by rule "no-collect-for-billing"');
  });

  it('a certificate that matches no role is denied with a message saying so, but may ask WhoAmI', async () => {
    const carol = as('carol');
    const err = await grpcError(unary(carol.kv, carol.kv.get, { key: 'k' }));
    expect(err.code).toBe(Status.PERMISSION_DENIED);
    expect(err.details).toBe(
      `CN=carol (no roles) may not call ${KV}/Get: this certificate matches no role in policy "e2e"; allowed roles are admin, reader, batch (ask the policy owner to grant one to CN=carol)`,
    );
    expect((await carol.whoAmI()).roles).toEqual([]);
  });

  it('a method the policy does not name is denied; one the server does not serve never reaches the gate', async () => {
    const bob = as('bob');
    const repeat = await grpcError(
      new Promise((resolve, reject) => {
        const stream = bob.echo.repeat({ message: 'x', repeat: 1, sizeBytes: 0 });
        stream.on('data', () => undefined);
        stream.on('error', reject);
        stream.on('end', resolve);
      }),
    );
    expect(repeat.code).toBe(Status.PERMISSION_DENIED);
    expect(repeat.details).toBe('CN=bob (roles: reader) may not call /demo.v1.Echo/Repeat: allowed roles are admin, billing');
    // grpc-js answers an unregistered path with UNIMPLEMENTED before interceptors run: no handler, nothing to allow.
    const unknown = await grpcError(
      new Promise((resolve, reject) =>
        bob.kv.makeUnaryRequest(
          `${KV}/Nope`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          Buffer.alloc(0),
          (e, r) => (e ? reject(e) : resolve(r)),
        ),
      ),
    );
    expect(unknown.code).toBe(Status.UNIMPLEMENTED);
  });
});
