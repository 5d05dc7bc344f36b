// A certificate revoked while one of its calls is still being decided (an async stage waiting on
// an external check): the call must end with the revocation, never reach the handler. The gate
// counts a call as in flight from its request metadata, not from its admission, so the revocation
// finds it; admitted only after the cut-off, it would run as if nothing had happened.
import { Metadata, ServiceError, status as Status } from '@grpc/grpc-js';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { createClient } from '../../src/client/create-client';
import { echoService } from '../../src/demo/echo-service';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { createCrl } from '../../src/pki/crl';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { eventually } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { serialOf } from '../helpers/revocation';
import { tempDir } from '../helpers/temp-dir';

describe('revocation of a call that an async stage is still deciding', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;
  let release: (() => void) | undefined;
  const handled: string[] = [];
  const stagesAfter: string[] = [];
  const observed: string[] = [];

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    const id = pki.loadIdentity('server');
    const echo = echoService();
    server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [
        {
          definition: echo.definition,
          implementation: {
            ...echo.implementation,
            say: (call: { request: { message: string } }, callback: (e: null, r: { message: string; index: number }) => void) => {
              handled.push(call.request.message);
              callback(null, { message: call.request.message, index: 0 });
            },
          },
        },
      ],
      policy: allowAllAuthenticated(),
      // An external check that answers "allowed" when the test says so.
      stages: [() => new Promise<undefined>((resolve) => (release = () => resolve(undefined))), (ctx) => void stagesAfter.push(ctx.method)],
      // The audit log is an observer: it must not record the call as allowed.
      observers: [(ctx, rejection) => observed.push(`${ctx.method} ${rejection ? 'refused' : 'allowed'}`)],
      revocation: { closeConnectionsAfterMs: 60_000 },
    });
    address = `127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    tmp.cleanup();
  });

  it('ends it UNAUTHENTICATED with the revocation; after a late "allowed" neither the stages after it, nor the observers, nor the handler run', async () => {
    const client = createClient(EchoClient, address, { tls: clientTls(pki, 'bob') });
    const answer = new Promise<ServiceError | null>((resolve) =>
      client.say({ message: 'while deciding' }, new Metadata(), { deadline: Date.now() + 10_000 }, (err) => resolve(err)),
    );
    await eventually(() => release !== undefined, 'the stage to hold the call');
    const serial = serialOf(pki, 'bob');
    server.revocation.update(
      await createCrl(await pki.loadCa(), [{ serial, revokedAt: new Date('2026-01-01T00:00:00Z'), reason: 'keyCompromise' }], {
        crlNumber: 1,
        nextUpdate: new Date(Date.now() + 86_400_000),
      }),
    );
    release!(); // the external check answers "allowed" just after the cut-off
    const err = await answer;
    await new Promise((r) => setTimeout(r, 50));
    client.close();
    expect(err?.code).toBe(Status.UNAUTHENTICATED);
    expect(err?.details).toContain(`(serial ${serial}) was revoked at 2026-01-01T00:00:00.000Z (keyCompromise)`);
    expect(stagesAfter).toEqual([]);
    expect(observed).toEqual([]);
    expect(handled).toEqual([]);
  });
});
