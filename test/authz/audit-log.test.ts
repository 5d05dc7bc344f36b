// The audit log: every decision once, with who/what/which rule; never message bodies or keys;
// which decisions are logged follows the policy's `audit.log` (A59's conditions), live.
import { Metadata } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { openAuditSink } from '../../src/authz/audit-log';
import { join } from 'node:path';
import { authorization, Authorization } from '../../src/authz/authorization';
import { createClient } from '../../src/client/create-client';
import { serveDirectory } from '../../src/app/serve-directory';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { clientTls, demoPki } from '../helpers/pki';
import { eventually } from '../helpers/eventually';
import { tempDir } from '../helpers/temp-dir';

const DEMO_POLICY = readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8');
const SECRET = 'value-that-must-never-be-logged';

describe('audit log', () => {
  const tmp = tempDir();
  const policyFile = join(tmp.dir, 'policy.yaml');
  const auditFile = join(tmp.dir, 'audit', 'decisions.log');
  let pki: PkiDir;
  let authz: Authorization;
  let server: CertrpcServer;
  let address: string;

  const lines = () =>
    existsSync(auditFile)
      ? readFileSync(auditFile, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>)
      : [];
  const serial = (name: string) => new X509Certificate(readFileSync(pki.certFile(name))).serialNumber.toLowerCase().replace(/^0+/, '');

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    // The destination is set in the policy, relative to the policy file.
    writeFileSync(policyFile, DEMO_POLICY.replace('destination: stderr', 'destination: audit/decisions.log'));
    authz = authorization({ policyFile });
    server = await serveDirectory({ pki, demo: true, port: 0, authorization: authz });
    address = `127.0.0.1:${server.listening!.port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    authz.close();
    tmp.cleanup();
  });

  it('records every decision exactly once, in order, with peer, CN, SPIFFE ID, serial, roles, method, decision and rule', async () => {
    const alice = demoClients(address, clientTls(pki, 'alice'));
    const bob = demoClients(address, clientTls(pki, 'bob'));
    const bobEcho = createClient(EchoClient, address, { tls: clientTls(pki, 'bob') });
    await unary(alice.kv, alice.kv.put, { key: 'k', value: SECRET });
    await grpcError(unary(bob.kv, bob.kv.put, { key: 'k', value: SECRET }));
    await unary(bob.kv, bob.kv.get, { key: 'k' });
    await bob.whoAmI();
    await new Promise<void>((resolve) => {
      const stream = bob.kv.watch({ prefix: 'k' }, new Metadata());
      stream.once('metadata', () => stream.cancel());
      stream.on('error', () => resolve());
    });
    await grpcError(
      new Promise((resolve, reject) => {
        const chat = bobEcho.chat();
        chat.on('data', resolve);
        chat.on('error', reject);
        chat.write({ message: SECRET });
      }),
    );
    [alice, bob].forEach((c) => c.close());
    bobEcho.close();

    // Written behind the calls (within the sink's maxDelayMs): wait for them.
    const got = await eventually(() => lines().length >= 6 && lines(), 'the six audit lines');
    expect(got.map((l) => [l.cn, l.method, l.decision, l.rule])).toEqual([
      ['alice', '/demo.v1.KeyValue/Put', 'allow', 'admin-everything'],
      ['bob', '/demo.v1.KeyValue/Put', 'deny', null],
      ['bob', '/demo.v1.KeyValue/Get', 'allow', 'reader-reads'],
      ['bob', '/certrpc.v1.Identity/WhoAmI', 'allow', 'reader-reads'],
      ['bob', '/demo.v1.KeyValue/Watch', 'allow', 'reader-reads'],
      ['bob', '/demo.v1.Echo/Chat', 'deny', null],
    ]);
    expect(got[1]).toMatchObject({
      msg: 'authorization decision',
      peer: expect.stringMatching(/^(ipv4:)?127\.0\.0\.1:\d+$/),
      cn: 'bob',
      spiffeId: 'spiffe://certrpc.demo/user/bob',
      serial: serial('bob'),
      roles: ['reader'],
      decision: 'deny',
      reason: 'role-not-allowed',
      code: 7,
      policy: 'demo',
    });
    expect(new Date(String(got[1].time)).getTime()).toBeGreaterThan(Date.now() - 60_000);
    const text = readFileSync(auditFile, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(text).not.toMatch(/PRIVATE KEY/);
  });

  it('logs only denials once the policy says on_deny (applied on reload)', async () => {
    const reloaded = authz.watcher!.nextReload();
    writeFileSync(
      policyFile,
      DEMO_POLICY.replace('destination: stderr', 'destination: audit/decisions.log').replace('log: all', 'log: on_deny'),
    );
    expect((await reloaded).ok).toBe(true);
    const before = lines().length;
    const bob = demoClients(address, clientTls(pki, 'bob'));
    await unary(bob.kv, bob.kv.get, { key: 'k' });
    await grpcError(unary(bob.kv, bob.kv.delete, { key: 'k' }));
    bob.close();
    const added = await eventually(() => lines().length > before && lines().slice(before), "the denial's audit line");
    expect(added.map((l) => [l.method, l.decision, l.generation])).toEqual([['/demo.v1.KeyValue/Delete', 'deny', 2]]);
  });

  it('keeps the audit file from other users: a new file is 0600 in a 0750 directory, an existing 0644 one loses its "other" bits', () => {
    const fresh = join(tmp.dir, 'modes', 'new', 'audit.log');
    openAuditSink(fresh).close();
    expect(statSync(fresh).mode & 0o777).toBe(0o600);
    expect(statSync(join(tmp.dir, 'modes', 'new')).mode & 0o777).toBe(0o750);
    const shared = join(tmp.dir, 'modes', 'group.log');
    mkdirSync(join(tmp.dir, 'modes'), { recursive: true });
    writeFileSync(shared, '');
    chmodSync(shared, 0o644);
    openAuditSink(shared).close();
    expect(statSync(shared).mode & 0o777).toBe(0o640);
  });

  it('"stderr", the default destination, is the process\'s stderr: no file of that name is made', () => {
    const dir = join(tmp.dir, 'cwd');
    mkdirSync(dir, { recursive: true });
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const sink = openAuditSink('stderr');
      expect(sink.destination).toBe('stderr');
      sink.close();
      openAuditSink().close();
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an entry that arrives after close() is not written and warns once; no write to the closed file is left pending; close() twice is fine', () => {
    const file = join(tmp.dir, 'late', 'audit.log');
    const sink = openAuditSink(file);
    sink.writeEvent({ event: 'before' }, 'written');
    sink.close();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    const emit = jest.spyOn(process, 'emitWarning');
    try {
      process.on('warning', onWarning);
      sink.writeEvent({ event: 'after' }, 'late');
      sink.writeEvent({ event: 'after' }, 'later');
      expect(emit).toHaveBeenCalledTimes(1);
      expect(String(emit.mock.calls[0][0])).toContain(file);
      // Nothing is queued, so no timer will write to the closed stream (it threw from the timer).
      sink.flush();
      expect(() => sink.close()).not.toThrow();
    } finally {
      emit.mockRestore();
      process.off('warning', onWarning);
    }
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
