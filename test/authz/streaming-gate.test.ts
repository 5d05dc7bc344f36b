// Streaming calls (server, client, bidi) are decided at the call's headers, before any handler
// runs or any message is read: a handler that records being called proves it never was for a
// denied caller, and was for an allowed one (so the test can fail).
import { ServiceError, status as Status, UntypedServiceImplementation } from '@grpc/grpc-js';
import { join } from 'node:path';
import { authorization, Authorization } from '../../src/authz/authorization';
import { createClient } from '../../src/client/create-client';
import { echoService } from '../../src/demo/echo-service';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

type Outcome = { ok: true } | { ok: false; code: number; details: string };

describe('streaming calls are authorized before the handler runs', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let authz: Authorization;
  let server: CertrpcServer;
  let address: string;
  const handlerRan: string[] = [];

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    // The real Echo service, each handler wrapped to record that it was entered.
    const echo = echoService();
    const recording: UntypedServiceImplementation = {};
    for (const [name, fn] of Object.entries(echo.implementation)) {
      recording[name] = ((call: unknown, callback: unknown) => {
        handlerRan.push(name);
        return (fn as (c: unknown, cb: unknown) => void)(call, callback);
      }) as UntypedServiceImplementation[string];
    }
    authz = authorization({ policyFile: join(__dirname, '..', '..', 'policy.yaml'), audit: { mode: 'none' }, watch: false });
    const id = pki.loadIdentity('server');
    server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [{ definition: echo.definition, implementation: recording }],
      authorization: authz,
    });
    address = `127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    authz.close();
    tmp.cleanup();
  });

  function shapes(name: string) {
    const client = createClient(EchoClient, address, { tls: clientTls(pki, name) });
    const settle = (resolve: (o: Outcome) => void) => (err: ServiceError | null) =>
      resolve(err ? { ok: false, code: err.code, details: err.details } : { ok: true });
    return {
      close: () => client.close(),
      serverStreaming: () =>
        new Promise<Outcome>((resolve) => {
          const stream = client.repeat({ message: 'x', repeat: 2, sizeBytes: 0 });
          stream.on('data', () => undefined);
          stream.on('error', settle(resolve));
          stream.on('end', () => resolve({ ok: true }));
        }),
      clientStreaming: () =>
        new Promise<Outcome>((resolve) => {
          const stream = client.collect(settle(resolve));
          stream.write({ message: 'a' });
          stream.write({ message: 'b' });
          stream.end();
        }),
      bidi: () =>
        new Promise<Outcome>((resolve) => {
          const stream = client.chat();
          stream.on('data', () => undefined);
          stream.on('error', settle(resolve));
          stream.on('end', () => resolve({ ok: true }));
          stream.write({ message: 'a' });
          stream.end();
        }),
    };
  }

  it.each([
    ['server streaming', 'serverStreaming', 'Repeat', 'repeat'],
    ['client streaming', 'clientStreaming', 'Collect', 'collect'],
    ['bidi streaming', 'bidi', 'Chat', 'chat'],
  ] as const)('%s: bob (reader) is denied and the handler never runs; alice (admin) reaches it', async (_shape, call, method, handler) => {
    const bob = shapes('bob');
    const denied = await bob[call]();
    bob.close();
    expect(denied).toEqual({
      ok: false,
      code: Status.PERMISSION_DENIED,
      details: `CN=bob (roles: reader) may not call /demo.v1.Echo/${method}: allowed roles are admin`,
    });
    expect(handlerRan).not.toContain(handler);

    const alice = shapes('alice');
    expect(await alice[call]()).toEqual({ ok: true });
    alice.close();
    expect(handlerRan.filter((h) => h === handler)).toHaveLength(1);
  });
});
