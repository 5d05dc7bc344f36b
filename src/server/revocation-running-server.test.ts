// Revocation on a running server, in this process (Stryker sees it): real certificates from the
// project's PKI code, real CRLs, a real certrpc server and clients over mTLS on 127.0.0.1:0.
// The CLI suites (test/e2e/revocation*.test.ts) prove the same through `certrpc serve`.
// RevocationEnforcer's own timers and sockets: revocation-enforcer.test.ts.
import { Metadata, ServiceError, status as Status } from '@grpc/grpc-js';
import { capturingLogger } from '../../test/helpers/captured-log';
import { eventually, eventuallyAsync } from '../../test/helpers/eventually';
import { clientTls, demoPki, issue } from '../../test/helpers/pki';
import { activeCalls, serialOf } from '../../test/helpers/revocation';
import { tempDir } from '../../test/helpers/temp-dir';
import { allowAllAuthenticated } from '../authz/compiled-policy';
import { createClient } from '../client/create-client';
import { echoService } from '../demo/echo-service';
import { EchoClient } from '../gen/demo/v1/echo';
import { IdentityClient } from '../gen/certrpc/v1/identity';
import { createCrl, RevokedEntry } from '../pki/crl';
import { PkiDir } from '../store/pki-dir';
import type { TlsMaterial } from '../tls/mtls-listener';
import { CertrpcServer, createServer } from './create-server';
import { RevocationList } from '../tls/revocation-list';

describe('revocation on a running server (open calls, new calls, open connections)', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: CertrpcServer;
  let material: TlsMaterial;
  let address: string;
  let crlNumber = 1;
  const log = capturingLogger();

  const crl = async (entries: RevokedEntry[]) =>
    createCrl(await pki.loadCa(), entries, { crlNumber: crlNumber++, nextUpdate: new Date(Date.now() + 86_400_000) });

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    await issue(pki, 'carol');
    const id = pki.loadIdentity('server');
    material = { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem, crlPem: await crl([]) };
    server = createServer({
      tls: material,
      services: [echoService()],
      policy: allowAllAuthenticated(),
      logger: log.logger,
      // Long enough that the refusal below still meets the open connection on a loaded machine (2
      // cores under mutation testing: it waited 300 ms once, a race); the close is awaited.
      revocation: { closeConnectionsAfterMs: 2000 },
    });
    address = `127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    tmp.cleanup();
  });

  it('ends the open stream of a newly revoked certificate at once, refuses its next call on the same connection, then closes that connection; others go on', async () => {
    const carol = createClient(EchoClient, address, { tls: clientTls(pki, 'carol') });
    const bob = createClient(EchoClient, address, { tls: clientTls(pki, 'bob') });
    const say = (c: EchoClient) =>
      new Promise<{ err: ServiceError | null }>((resolve) =>
        c.say({ message: 'x' }, new Metadata(), { deadline: Date.now() + 10_000 }, (err) => resolve({ err })),
      );
    try {
      expect((await say(carol)).err).toBeNull();
      expect((await say(bob)).err).toBeNull();
      const carolSerial = serialOf(pki, 'carol');
      // Two open streams: carol's must end, bob's must not.
      const open = (c: EchoClient) => {
        const stream = c.chat();
        const ended = new Promise<ServiceError | undefined>((resolve) => {
          stream.on('error', (e: ServiceError) => resolve(e));
          stream.on('end', () => resolve(undefined));
        });
        const first = new Promise((resolve) => stream.once('data', resolve));
        stream.write({ message: 'hello' });
        return { stream, ended, first };
      };
      const carolStream = open(carol);
      const bobStream = open(bob);
      await Promise.all([carolStream.first, bobStream.first]);
      expect(activeCalls(server.revocation, carolSerial)).toBe(1);
      expect([...server.interceptor.inFlight]).toHaveLength(2);
      expect(await server.connectionCount()).toBe(2);

      const revokedAt = new Date('2026-03-04T05:06:07Z');
      server.updateTls({ ...material, crlPem: await crl([{ serial: carolSerial, revokedAt, reason: 'keyCompromise' }]) });

      // The stream ended by the server, with the reason and the time, before any close.
      const ended = await carolStream.ended;
      expect(ended?.code).toBe(Status.UNAUTHENTICATED);
      expect(ended?.details).toBe(
        `the client certificate CN=carol (serial ${carolSerial}) was revoked at 2026-03-04T05:06:07.000Z (keyCompromise); ask the operator for a new certificate`,
      );
      await eventually(() => activeCalls(server.revocation, carolSerial) === 0, "carol's calls to be forgotten");
      expect([...server.interceptor.inFlight]).toHaveLength(1);
      const cutOff = log.lines.find((l) => l.event === 'revoked_peer_cut_off');
      expect(cutOff).toMatchObject({
        serial: carolSerial,
        calls: 1,
        connections: 1,
        revokedAt: '2026-03-04T05:06:07.000Z',
        reason: 'keyCompromise',
      });
      expect(cutOff?.msg).toBe(`certificate serial ${carolSerial} was revoked: ended 1 open call(s); closing its 1 connection(s)`);

      // The same connection is still open (the grace period): its next call is refused, saying why.
      const next = await say(carol);
      expect(next.err?.code).toBe(Status.UNAUTHENTICATED);
      expect(next.err?.details).toMatch(/was revoked at 2026-03-04T05:06:07.000Z \(keyCompromise\)/);

      // Then the server closes it; bob's connection and stream stay.
      await eventuallyAsync(async () => (await server.connectionCount()) === 1, "carol's connection to be closed");
      bobStream.stream.write({ message: 'still here' });
      await new Promise((resolve) => bobStream.stream.once('data', resolve));
      expect((await say(bob)).err).toBeNull();
      bobStream.stream.end();
      expect(await bobStream.ended).toBeUndefined();
      // A reconnect meets the CRL at the handshake.
      const again = await say(carol);
      expect(again.err?.code).toBe(Status.UNAVAILABLE);
      expect(log.lines.find((l) => l.event === 'handshake_refused')).toMatchObject({ code: 'CERT_REVOKED' });
    } finally {
      carol.close();
      bob.close();
    }
  });

  it('one of two open streams ending leaves the other tracked: it is still ended on revocation', async () => {
    await issue(pki, 'erin');
    const erinSerial = serialOf(pki, 'erin');
    const erin = createClient(EchoClient, address, { tls: clientTls(pki, 'erin') });
    try {
      const open = () => {
        const stream = erin.chat();
        const ended = new Promise<ServiceError | undefined>((resolve) => {
          stream.on('error', (e: ServiceError) => resolve(e));
          stream.on('end', () => resolve(undefined));
        });
        const first = new Promise((resolve) => stream.once('data', resolve));
        stream.write({ message: 'hi' });
        return { stream, ended, first };
      };
      const a = open();
      const b = open();
      await Promise.all([a.first, b.first]);
      expect(activeCalls(server.revocation, erinSerial)).toBe(2);
      a.stream.end();
      expect(await a.ended).toBeUndefined();
      await eventually(() => activeCalls(server.revocation, erinSerial) === 1, 'the first stream to be forgotten');
      server.updateTls({
        ...material,
        crlPem: await crl([{ serial: erinSerial, revokedAt: new Date('2026-01-01T00:00:00Z'), reason: 'superseded' }]),
      });
      expect((await b.ended)?.code).toBe(Status.UNAUTHENTICATED);
      await eventually(() => activeCalls(server.revocation, erinSerial) === 0, 'the second stream to be forgotten');
    } finally {
      erin.close();
    }
  });

  it('refuses the next call on a connection opened before the revocation (unspecified reason: no reason in the text)', async () => {
    await issue(pki, 'dave');
    const daveSerial = serialOf(pki, 'dave');
    const revokedAt = new Date('2026-01-01T00:00:00Z');
    // The list parses the CRL as the server does; then a connection opened before the CRL meets the stage.
    const list = new RevocationList();
    list.update(await crl([{ serial: daveSerial, revokedAt, reason: 'unspecified' }]));
    const revocation = list.get(daveSerial)!;
    expect(revocation).toMatchObject({ serial: daveSerial, revokedAt, reason: 'unspecified' });
    expect(revocation.issuer).toBe('CN=certrpc demo CA');
    const dave = createClient(IdentityClient, address, { tls: clientTls(pki, 'dave') });
    try {
      const who = () =>
        new Promise<ServiceError | null>((resolve) =>
          dave.whoAmI({}, new Metadata(), { deadline: Date.now() + 10_000 }, (err) => resolve(err)),
        );
      expect(await who()).toBeNull();
      server.updateTls({ ...material, crlPem: await crl([{ serial: daveSerial, revokedAt, reason: 'unspecified' }]) });
      const err = await who();
      expect(err?.code).toBe(Status.UNAUTHENTICATED);
      expect(err?.details).toBe(
        `the client certificate CN=dave (serial ${daveSerial}) was revoked at 2026-01-01T00:00:00.000Z; ask the operator for a new certificate`,
      );
    } finally {
      dave.close();
    }
  });
});
