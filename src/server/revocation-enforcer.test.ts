// RevocationEnforcer on its own, in this process (Stryker sees it): real certificates, real CRLs and
// real TLS sockets on 127.0.0.1:0, fake timers for the grace period. Revocation seen through a
// running certrpc server (open streams, the next call, the handshake): revocation-running-server.test.ts.
import { status as Status } from '@grpc/grpc-js';
import { TLSSocket } from 'node:tls';
import { capturingLogger } from '../../test/helpers/captured-log';
import { eventually } from '../../test/helpers/eventually';
import { demoPki } from '../../test/helpers/pki';
import { activeCalls, serialOf } from '../../test/helpers/revocation';
import { tempDir } from '../../test/helpers/temp-dir';
import { VerifiedSockets } from '../../test/helpers/verified-sockets';
import { createCrl } from '../pki/crl';
import { normalizeSerial } from '../pki/serial';
import { PkiDir } from '../store/pki-dir';
import { RevocationEnforcer } from './revocation-enforcer';

describe('RevocationEnforcer closes the connections of a revoked certificate after the grace period, not before, and not if withdrawn', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const sockets = new VerifiedSockets();

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    await sockets.start(pki);
  });
  afterEach(() => jest.useRealTimers());
  afterAll(async () => {
    await sockets.stop();
    tmp.cleanup();
  });

  /** A verified server-side socket for NAME's certificate. */
  const connection = (name: string): Promise<TLSSocket> => sockets.connection(pki, name);

  /** The serials of the connections the enforcer keeps (its private set: only a test looks there). */
  const tracked = (enforcer: RevocationEnforcer) => {
    const open = (enforcer as unknown as { connections: Set<TLSSocket> }).connections;
    return { connections: [...open].map((s) => normalizeSerial(s.getPeerCertificate().serialNumber)) };
  };

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
    expect(tracked(enforcer).connections).toEqual([]);
    // A connection with no peer certificate (the CA's anonymous Enroll) is never taken for a revoked one.
    const anonymous = { getPeerCertificate: () => ({}), on: jest.fn(), destroyed: false, destroy: jest.fn() };
    enforcer.trackConnection(anonymous as unknown as TLSSocket);
    enforcer.update(await crlOf([serialOf(pki, 'alice'), 'abcdef', serialOf(pki, 'bob')]));
    await new Promise((r) => setImmediate(r));
    expect(anonymous.destroy).not.toHaveBeenCalled();
    expect(log.lines.filter((l) => l.event === 'revoked_peer_cut_off')).toEqual([]);
    enforcer.close();
  });

  it("ends the open calls of exactly the revoked serial, found in the gates' calls in flight; keeps a serial only while a connection of it is open", async () => {
    const enforcer = new RevocationEnforcer(undefined, capturingLogger().logger, { closeConnectionsAfterMs: 0 });
    const serial = serialOf(pki, 'bob');
    const identityOf = (s: string) => ({
      serial: s,
      commonName: 'bob',
      sans: [],
      dnsNames: [],
      uris: [],
      ips: [],
      emails: [],
      fingerprint: 'F',
      issuer: 'I',
      notAfter: new Date(),
    });
    // Calls in flight as two gates hold them: bob's in both, another certificate's, an anonymous one.
    const ctxOf = (s?: string) => ({
      caller: s ? { identity: identityOf(s), roles: [], peer: 'p' } : undefined,
      call: { sendStatus: jest.fn() },
    });
    const [bobs, other, anonymous, bobsElsewhere] = [ctxOf(serial), ctxOf('0a'), ctxOf(), ctxOf(serial)];
    const gateCalls = new Set([bobs, other, anonymous]);
    enforcer.watchCalls(gateCalls as never);
    enforcer.watchCalls([bobsElsewhere] as never);
    expect(enforcer.openCalls(serial)).toEqual([bobs, bobsElsewhere]);
    const socket = await connection('bob');
    enforcer.trackConnection(socket);
    expect(tracked(enforcer)).toEqual({ connections: [serial] });
    enforcer.update(await crlOf([serial]));
    for (const ended of [bobs, bobsElsewhere])
      expect(ended.call.sendStatus).toHaveBeenCalledWith(
        expect.objectContaining({
          code: Status.UNAUTHENTICATED,
          details: expect.stringContaining(`(serial ${serial}) was revoked at 2026-01-01T00:00:00.000Z (keyCompromise)`),
        }),
      );
    expect(other.call.sendStatus).not.toHaveBeenCalled();
    expect(anonymous.call.sendStatus).not.toHaveBeenCalled();
    await eventually(() => socket.destroyed, 'the revoked connection to be closed');
    await eventually(() => tracked(enforcer).connections.length === 0, 'the closed connection to be forgotten');
    enforcer.close();
  });

  it('a connection destroyed but not yet closed when a revocation comes (its certificate is gone) is skipped, not a crash', async () => {
    const log = capturingLogger();
    const enforcer = new RevocationEnforcer(undefined, log.logger, { closeConnectionsAfterMs: 0 });
    const crl = await crlOf([serialOf(pki, 'alice')]);
    const alice = await connection('alice');
    enforcer.trackConnection(alice);
    alice.destroy(); // 'close' comes later: the socket is still in the set, with no certificate
    expect(alice.getPeerCertificate()).toBeNull();
    expect(enforcer.update(crl).map((r) => r.serial)).toEqual([serialOf(pki, 'alice')]);
    expect(log.lines.filter((l) => l.event === 'revoked_peer_cut_off')).toEqual([]);
    enforcer.close();
  });

  it('does not track a connection that is already closed (its socket no longer has a peer certificate), and does not throw', async () => {
    const enforcer = new RevocationEnforcer(undefined, capturingLogger().logger);
    const socket = await connection('alice');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.destroy();
    await closed;
    expect(socket.getPeerCertificate()).toBeNull();
    expect(() => enforcer.trackConnection(socket)).not.toThrow();
    expect(tracked(enforcer).connections).toEqual([]);
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
