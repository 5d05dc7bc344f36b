// What createInterceptor().close() promises a grpc-js server that adopts it: it stops what the
// interceptor started (the policy and CRL watchers, the enforcer's pending connection closes, the
// audit log it opened: flushed, closed, no exit hook left), leaves alone what the caller gave it (an
// authorization, a RevocationEnforcer), and may be called twice. Real PKI, real CRL files, real TLS
// sockets on 127.0.0.1:0; fake timers only for the enforcer's grace period.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { capturingLogger } from '../../test/helpers/captured-log';
import { demoPki, issue } from '../../test/helpers/pki';
import { serialOf } from '../../test/helpers/revocation';
import { tempDir } from '../../test/helpers/temp-dir';
import { VerifiedSockets } from '../../test/helpers/verified-sockets';
import { authorization } from '../authz/authorization';
import { revokeCertificate } from '../lifecycle/revoke';
import { silentLogger } from '../log/logger';
import { createCrl } from '../pki/crl';
import { PkiDir } from '../store/pki-dir';
import { createInterceptor } from './create-interceptor';
import { RevocationEnforcer } from './revocation-enforcer';

const policyNamed = (name: string) =>
  `name: ${name}\nroles:\n  admin: [{ cn: alice }]\nrules:\n  - { name: all, roles: [admin], methods: ["*"] }\n`;
const GRACE_TIMERS: Parameters<typeof jest.useFakeTimers>[0] = {
  doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask', 'hrtime', 'performance', 'Date'],
};

describe('createInterceptor().close()', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const sockets = new VerifiedSockets();

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'pki'));
    for (const name of ['carol', 'dave', 'erin', 'frank', 'hal']) await issue(pki, name);
    await sockets.start(pki);
  });
  afterEach(() => jest.useRealTimers());
  afterAll(async () => {
    await sockets.stop();
    tmp.cleanup();
  });

  /** The server side of a verified TLS connection from NAME (what a revocation cut-off closes). */
  const connection = (name: string): Promise<TLSSocket> => sockets.connection(pki, name);

  const crlRevoking = async (name: string) =>
    createCrl(await pki.loadCa(), [{ serial: serialOf(pki, name), revokedAt: new Date(), reason: 'keyCompromise' as const }], {
      crlNumber: 1000,
      nextUpdate: new Date(Date.now() + 86_400_000),
    });

  it('stops the CRL and policy watchers, cancels the pending connection closes, and flushes and closes the audit log it opened', async () => {
    const policyFile = join(tmp.dir, 'owned.yaml');
    writeFileSync(policyFile, policyNamed('first'));
    const auditFile = join(tmp.dir, 'owned-audit.log');
    const exitHooks = process.listenerCount('exit');
    const log = capturingLogger();
    const interceptor = createInterceptor({
      policyFile,
      clientCaFiles: [pki.caCertFile],
      crlFile: pki.crlFile,
      audit: { mode: 'all', destination: auditFile },
      logger: log.logger,
      reloadIntervalMs: 100,
    });
    await interceptor.ready;
    expect(process.listenerCount('exit')).toBe(exitHooks + 1); // the audit log's flush at exit

    // While open, a new CRL is applied and its reload logged with the CRL's facts.
    const reloader = await interceptor.crl!;
    expect(reloader.current.crls).toEqual([]); // no CRL published yet
    const reloaded = reloader.nextReload();
    await revokeCertificate(pki, { name: 'carol' });
    expect(await reloaded).toMatchObject({ ok: true });
    expect(interceptor.revocation!.list.get(serialOf(pki, 'carol'))).toBeDefined();
    const line = log.lines.find((l) => l.event === 'reloaded' && typeof l.what === 'string' && /CRL/.test(l.what));
    expect(line).toMatchObject({ crls: [{ issuer: 'CN=certrpc demo CA', crlNumber: 1, revoked: 1 }] });

    // A cut-off whose grace period is still running when close() comes.
    const daveSocket = await connection('dave');
    interceptor.revocation!.trackConnection(daveSocket);
    jest.useFakeTimers(GRACE_TIMERS);
    expect(interceptor.revocation!.update(await crlRevoking('dave')).map((r) => r.serial)).toEqual([serialOf(pki, 'dave')]);
    interceptor.authorization.auditEvent({ event: 'before_close' }, 'an audited event', true);

    interceptor.close();
    // Flushed at once (not 10 ms later), and no exit hook left behind.
    expect(readFileSync(auditFile, 'utf8')).toMatch(/"event":"before_close"/);
    expect(process.listenerCount('exit')).toBe(exitHooks);
    jest.advanceTimersByTime(5000);
    expect(daveSocket.destroyed).toBe(false);
    jest.useRealTimers();

    // Neither file is taken up any more, even when asked to read it now.
    await revokeCertificate(pki, { name: 'erin' });
    expect(await (await interceptor.crl!).reload()).toMatchObject({ ok: false, error: 'closed' });
    expect(interceptor.revocation!.list.get(serialOf(pki, 'erin'))).toBeUndefined();
    writeFileSync(policyFile, policyNamed('second'));
    expect(await interceptor.authorization.watcher!.reload()).toMatchObject({ ok: false, error: 'closed' });
    expect(interceptor.policy().name).toBe('first');
    // A second close() is harmless (the audit log is not closed twice).
    expect(() => interceptor.close()).not.toThrow();
  });

  it('leaves alone the authorization and the RevocationEnforcer it was given: they go on until their owner closes them', async () => {
    const policyFile = join(tmp.dir, 'given.yaml');
    writeFileSync(policyFile, policyNamed('first'));
    const exitHooks = process.listenerCount('exit');
    const authz = authorization({
      policyFile,
      audit: { mode: 'all', destination: join(tmp.dir, 'given-audit.log') },
      reloadIntervalMs: 100,
    });
    const enforcer = new RevocationEnforcer(undefined, silentLogger);
    const interceptor = createInterceptor({ authorization: authz, revocation: enforcer });
    expect(interceptor.revocation).toBe(enforcer);
    const frankSocket = await connection('frank');
    enforcer.trackConnection(frankSocket);
    jest.useFakeTimers(GRACE_TIMERS);
    enforcer.update(await crlRevoking('frank'));

    interceptor.close();
    jest.advanceTimersByTime(5000);
    expect(frankSocket.destroyed).toBe(true); // the enforcer's cut-off went on
    jest.useRealTimers();
    expect(process.listenerCount('exit')).toBe(exitHooks + 1); // its audit log is still open
    writeFileSync(policyFile, policyNamed('second'));
    expect(await authz.watcher!.reload()).toMatchObject({ ok: true });
    expect(interceptor.policy().name).toBe('second');
    authz.close();
    enforcer.close();
    expect(process.listenerCount('exit')).toBe(exitHooks);
  });

  it('while open, watches the revocations record too: a record the CRL lacks is refused on its own change, the CRL in force stays', async () => {
    await revokeCertificate(pki, { name: 'hal' });
    const records = join(tmp.dir, 'revocations.json');
    writeFileSync(records, readFileSync(pki.revocationsFile)); // hal's (and any before), all on the CRL
    const interceptor = createInterceptor({
      audit: { mode: 'none' },
      clientCaFiles: [pki.caCertFile],
      crlFile: pki.crlFile,
      revocationsFile: records,
      logger: silentLogger,
      reloadIntervalMs: 100,
    });
    await interceptor.ready;
    const reloader = await interceptor.crl!;
    const inForce = reloader.current.crlPem;
    const reloaded = reloader.nextReload();
    // Only the record changes: a revocation the CRL does not list (this CRL is older than the record).
    const parsed = JSON.parse(readFileSync(records, 'utf8')) as { revoked: { serial: string }[] };
    parsed.revoked.push({ ...parsed.revoked[0], serial: 'abcdef0123' });
    writeFileSync(records, JSON.stringify(parsed));
    expect(await reloaded).toMatchObject({ ok: false, error: expect.stringMatching(/abcdef0123/) });
    expect(reloader.current.crlPem).toBe(inForce);
    interceptor.close();
  });

  it('with nothing to stop (a fixed policy, no CRL, no enforcer) does not throw, once or twice', () => {
    const interceptor = createInterceptor({ audit: { mode: 'none' }, logger: silentLogger });
    expect(interceptor.revocation).toBeUndefined();
    expect(interceptor.crl).toBeUndefined();
    expect(() => interceptor.close()).not.toThrow();
    expect(() => interceptor.close()).not.toThrow();
  });
});
