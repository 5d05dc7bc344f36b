// Revocation on a running server, in this process (Stryker sees it): real certificates from the
// project's PKI code, real CRLs, a real certrpc server and clients over mTLS on 127.0.0.1:0.
// The CLI suites (test/e2e/revocation*.test.ts) prove the same through `certrpc serve`.
import { Metadata, ServiceError, status as Status } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { connect, createServer as createTlsServer, Server as TlsServer, TLSSocket } from 'node:tls';
import pino from 'pino';
import { eventually } from '../../test/helpers/eventually';
import { clientTls, demoPki, issue } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { allowAllAuthenticated } from '../authz/compiled-policy';
import { createClient } from '../client/create-client';
import { echoService } from '../demo/echo-service';
import { EchoClient } from '../gen/demo/v1/echo';
import { IdentityClient } from '../gen/certrpc/v1/identity';
import { createCrl, RevokedEntry } from '../pki/crl';
import { normalizeSerial } from '../pki/serial';
import { PkiDir } from '../store/pki-dir';
import type { TlsMaterial } from '../tls/mtls-listener';
import { CertrpcServer, createServer } from './create-server';
import { RevocationEnforcer } from './revocation-enforcer';
import { RevocationList } from '../tls/revocation-list';
import { revokedDetails } from './revocation-stage';

/** The calls the enforcer still tracks (for a serial, or all): a call that ended must be forgotten (no leak, no stale cut-off). */
function activeCalls(enforcer: RevocationEnforcer, serial?: string): number {
  const calls = (enforcer as unknown as { calls: Map<string, Map<unknown, unknown>> }).calls;
  if (serial !== undefined) return calls.get(serial)?.size ?? 0;
  return [...calls.values()].reduce((n, m) => n + m.size, 0);
}

const serialOf = (pki: PkiDir, name: string) => normalizeSerial(new X509Certificate(clientTls(pki, name).certPem!).serialNumber);

/** Polls an async condition (eventually() takes a synchronous one). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

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
      // Long enough that the refusals below still meet an open connection; the close is awaited.
      revocation: { closeConnectionsAfterMs: 300 },
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
      expect(activeCalls(server.revocation)).toBe(2);
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
      expect(activeCalls(server.revocation)).toBe(1);
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
      await until(async () => (await server.connectionCount()) === 1, "carol's connection to be closed");
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

describe('RevocationList', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it('holds exactly the entries of the CRLs given, with their issuer, and reports what is new', async () => {
    const ca = await pki.loadCa();
    const at = new Date('2026-02-02T00:00:00Z');
    const one = await createCrl(ca, [{ serial: '0A', revokedAt: at, reason: 'superseded' }], {
      crlNumber: 1,
      nextUpdate: new Date(Date.now() + 86_400_000),
    });
    const two = await createCrl(
      ca,
      [
        { serial: '0A', revokedAt: at, reason: 'superseded' },
        { serial: 'b0', revokedAt: at, reason: 'unspecified' },
      ],
      { crlNumber: 2, nextUpdate: new Date(Date.now() + 86_400_000) },
    );
    const list = new RevocationList();
    expect(list.size).toBe(0);
    expect(list.update(one)).toEqual([{ serial: 'a', revokedAt: at, reason: 'superseded', issuer: 'CN=certrpc demo CA' }]);
    expect(list.update(two).map((r) => r.serial)).toEqual(['b0']);
    expect(list.size).toBe(2);
    expect(list.get('b0')?.reason).toBe('unspecified');
    // A CRL that no longer lists a serial withdraws it; no CRL at all withdraws everything.
    expect(list.update(one)).toEqual([]);
    expect(list.get('b0')).toBeUndefined();
    expect(list.update(undefined)).toEqual([]);
    expect(list.size).toBe(0);
    expect(list.update('')).toEqual([]);
    // An unreadable CRL throws and changes nothing.
    list.update(one);
    expect(() => list.update('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')).toThrow();
    expect(list.get('a')).toBeDefined();
  });

  it('revokedDetails names the certificate, the time, and the reason unless unspecified', () => {
    const identity = {
      commonName: 'eve',
      sans: [],
      dnsNames: [],
      uris: [],
      ips: [],
      emails: [],
      serial: '1f',
      fingerprint: 'FP',
      issuer: 'CN=x',
      notAfter: new Date(),
    };
    const at = new Date('2026-05-06T07:08:09Z');
    expect(revokedDetails(identity, { serial: '1f', revokedAt: at, reason: 'cessationOfOperation', issuer: 'CN=x' })).toBe(
      'the client certificate CN=eve (serial 1f) was revoked at 2026-05-06T07:08:09.000Z (cessationOfOperation); ask the operator for a new certificate',
    );
    expect(revokedDetails(identity, { serial: '1f', revokedAt: at, reason: 'unspecified', issuer: 'CN=x' })).toBe(
      'the client certificate CN=eve (serial 1f) was revoked at 2026-05-06T07:08:09.000Z; ask the operator for a new certificate',
    );
  });
});

describe('RevocationEnforcer closes the connections of a revoked certificate after the grace period, not before, and not if withdrawn', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let tlsServer: TlsServer;
  let port: number;
  const accepted: TLSSocket[] = [];
  const clients: TLSSocket[] = [];

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    const id = pki.loadIdentity('server');
    tlsServer = createTlsServer({ cert: id.certPem, key: id.keyPem, ca: id.caPem, requestCert: true, rejectUnauthorized: true }, (s) => {
      s.on('error', () => undefined);
      accepted.push(s);
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    port = (tlsServer.address() as { port: number }).port;
  });
  afterEach(() => jest.useRealTimers());
  afterAll(async () => {
    for (const c of clients) c.destroy();
    for (const s of accepted) s.destroy();
    await new Promise((resolve) => tlsServer.close(resolve));
    tmp.cleanup();
  });

  /** A verified server-side socket for NAME's certificate. */
  async function connection(name: string): Promise<TLSSocket> {
    const before = accepted.length;
    const tls = clientTls(pki, name);
    const client = connect({ host: '127.0.0.1', port, ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, servername: 'localhost' });
    client.on('error', () => undefined);
    clients.push(client);
    await new Promise((resolve) => client.once('secureConnect', resolve));
    return eventually(() => accepted.length > before && accepted[accepted.length - 1], 'the server side of the connection');
  }

  const crlOf = async (serials: string[]) =>
    createCrl(
      await pki.loadCa(),
      serials.map((serial) => ({ serial, revokedAt: new Date('2026-01-01T00:00:00Z'), reason: 'keyCompromise' as const })),
      { crlNumber: 1, nextUpdate: new Date(Date.now() + 86_400_000) },
    );

  it('destroys exactly the revoked serial’s sockets when the grace period is over (default 5000 ms)', async () => {
    const log = capturingLogger();
    const enforcer = new RevocationEnforcer(undefined, log.logger);
    const alice1 = await connection('alice');
    const alice2 = await connection('alice');
    const bob = await connection('bob');
    for (const s of [alice1, alice2, bob]) enforcer.trackConnection(s);
    const crl = await crlOf([serialOf(pki, 'alice')]);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance', 'Date'] });
    expect(enforcer.update(crl).map((r) => r.serial)).toEqual([serialOf(pki, 'alice')]);
    expect(log.lines.find((l) => l.event === 'revoked_peer_cut_off')).toMatchObject({ calls: 0, connections: 2 });
    jest.advanceTimersByTime(4999);
    expect([alice1.destroyed, alice2.destroyed, bob.destroyed]).toEqual([false, false, false]);
    jest.advanceTimersByTime(1);
    expect([alice1.destroyed, alice2.destroyed, bob.destroyed]).toEqual([true, true, false]);
    // Applying the same CRL again revokes nothing new, so nothing more is cut off.
    expect(enforcer.update(crl)).toEqual([]);
    enforcer.close();
  });

  it('keeps the connections when the revocation is withdrawn within the grace period, and close() cancels pending closes', async () => {
    const log = capturingLogger();
    const enforcer = new RevocationEnforcer(undefined, log.logger, { closeConnectionsAfterMs: 50_000 });
    const alice = await connection('alice');
    enforcer.trackConnection(alice);
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance', 'Date'] });
    enforcer.update(await crlOf([serialOf(pki, 'alice')]));
    jest.advanceTimersByTime(49_999);
    expect(alice.destroyed).toBe(false);
    enforcer.update(undefined);
    jest.advanceTimersByTime(10);
    expect(alice.destroyed).toBe(false);
    // Revoked again: a new grace period; close() (server shutdown) cancels it.
    enforcer.update(await crlOf([serialOf(pki, 'alice')]));
    enforcer.close();
    jest.advanceTimersByTime(100_000);
    expect(alice.destroyed).toBe(false);
  });

  it('one of two connections closing leaves the other tracked: it is still closed on revocation', async () => {
    const enforcer = new RevocationEnforcer(undefined, capturingLogger().logger, { closeConnectionsAfterMs: 0 });
    const first = await connection('alice');
    const second = await connection('alice');
    enforcer.trackConnection(first);
    enforcer.trackConnection(second);
    const closed = new Promise((resolve) => first.once('close', resolve));
    first.destroy();
    await closed;
    enforcer.update(await crlOf([serialOf(pki, 'alice')]));
    await eventually(() => second.destroyed, 'the remaining connection to be closed');
    enforcer.close();
  });

  it('forgets a closed connection, and logs nothing for a revoked serial with no calls and no connections', async () => {
    const log = capturingLogger();
    const enforcer = new RevocationEnforcer(undefined, log.logger, { closeConnectionsAfterMs: 0 });
    const alice = await connection('alice');
    enforcer.trackConnection(alice);
    const closed = new Promise((resolve) => alice.once('close', resolve));
    alice.destroy();
    await closed;
    enforcer.update(await crlOf([serialOf(pki, 'alice'), 'abcdef']));
    expect(log.lines.filter((l) => l.event === 'revoked_peer_cut_off')).toEqual([]);
    // A connection with no peer certificate is not tracked (and does not throw).
    const plain = { getPeerCertificate: () => ({}) } as unknown as TLSSocket;
    expect(() => enforcer.trackConnection(plain)).not.toThrow();
    enforcer.close();
  });

  it('a CRL given at construction is in force at once: its serials are refused by the stage', async () => {
    const enforcer = new RevocationEnforcer(await crlOf(['ab']), capturingLogger().logger);
    expect(enforcer.list.get('ab')?.reason).toBe('keyCompromise');
    const caller = {
      identity: {
        serial: 'ab',
        commonName: 'x',
        sans: [],
        dnsNames: [],
        uris: [],
        ips: [],
        emails: [],
        fingerprint: 'F',
        issuer: 'I',
        notAfter: new Date(),
      },
      roles: [],
      peer: 'p',
    };
    const rejection = enforcer.stage({ caller } as never);
    expect(rejection).toMatchObject({ code: Status.UNAUTHENTICATED });
    expect(enforcer.stage({ caller: { ...caller, identity: { ...caller.identity, serial: 'ac' } } } as never)).toBeUndefined();
    expect(enforcer.stage({} as never)).toBeUndefined();
    expect(activeCalls(enforcer, 'ab')).toBe(0);
    enforcer.close();
  });
});
