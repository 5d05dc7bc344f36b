// Policies decided on real calls: a running server, real client certificates over mutual TLS, the
// policy read from its file as `serve --policy` reads it.
// - gRFC A43 JSON: a principal matches a URI SAN, a DNS SAN or the subject as RFC 4514 text
//   ("CN=alice"); deny rules are checked before allow rules. Only cases A43 makes unambiguous
//   (exact principals and paths, "*" as a whole value) so the test holds whatever the wildcard
//   details become. alice and the deny rule for bob match by subject only: a peer subject that
//   comes out empty (or in another form) fails here.
// - certrpc YAML `headers:`: every listed header must be present with one of its values; a header
//   sent twice is matched as its values joined with ","; a deny rule's header condition wins.
import { Metadata, status } from '@grpc/grpc-js';
import { writeFileSync } from 'node:fs';
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
import { runLogger } from '../helpers/test-run';

const A43_POLICY = {
  name: 'e2e-a43',
  deny_rules: [{ name: 'bob-may-not-delete', source: { principals: ['CN=bob'] }, request: { paths: ['/demo.v1.KeyValue/Delete'] } }],
  allow_rules: [
    { name: 'alice-by-subject', source: { principals: ['CN=alice'] }, request: { paths: ['*'] } },
    {
      name: 'bob-by-uri-san',
      source: { principals: ['spiffe://certrpc.demo/user/bob'] },
      request: { paths: ['/demo.v1.KeyValue/Get', '/demo.v1.KeyValue/Put', '/demo.v1.KeyValue/Delete'] },
    },
    { name: 'worker-by-dns-san', source: { principals: ['worker.certrpc.test'] }, request: { paths: ['/demo.v1.Echo/Say'] } },
    { name: 'whoami-for-any-principal', source: { principals: ['*'] }, request: { paths: ['/certrpc.v1.Identity/WhoAmI'] } },
  ],
};

const HEADERS_POLICY = `version: 1
name: e2e-headers
roles:
  tenant-user:
    - cn: alice
rules:
  - name: no-puts-in-debug-mode
    effect: deny
    roles: [tenant-user]
    methods: [/demo.v1.KeyValue/Put]
    headers:
      x-debug: "on"
  - name: known-tenants
    roles: [tenant-user]
    methods: [/demo.v1.KeyValue/Get, /demo.v1.KeyValue/Put]
    headers:
      x-tenant: [acme, globex]
`;

/** A running demo server with the policy file given, and typed clients per identity. */
async function policyServer(pki: PkiDir, policyFile: string, name: string) {
  const log = runLogger(name);
  const authz: Authorization = authorization({ policyFile, logger: log.logger, audit: { mode: 'none' } });
  const server: CertrpcServer = await serveDirectory({ pki, demo: true, port: 0, logger: log.logger, authorization: authz });
  const address = `127.0.0.1:${server.listening!.port}`;
  const clients: { close(): void }[] = [];
  return {
    as(identity: string) {
      const c = demoClients(address, clientTls(pki, identity), 'localhost');
      const echo = createClient(EchoClient, address, { tls: clientTls(pki, identity), authority: 'localhost' });
      clients.push(c, echo);
      return { ...c, echo };
    },
    async stop() {
      clients.forEach((c) => c.close());
      await server.shutdown(1000);
      authz.close();
    },
  };
}

const outcome = async (call: Promise<unknown>): Promise<'OK' | string> => {
  try {
    await call;
    return 'OK';
  } catch (err) {
    return status[(err as { code: number }).code];
  }
};

describe('policies on real calls, real certificates', () => {
  const tmp = tempDir();
  let pki: PkiDir;

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    await issue(pki, 'worker', { commonName: 'device-9', san: 'DNS:worker.certrpc.test' });
    await issue(pki, 'carol'); // CN only: no SAN at all
  });
  afterAll(() => tmp.cleanup());

  describe('gRFC A43 JSON policy', () => {
    let server: Awaited<ReturnType<typeof policyServer>>;
    beforeAll(async () => {
      const file = join(tmp.dir, 'a43.json');
      writeFileSync(file, JSON.stringify(A43_POLICY, null, 2));
      server = await policyServer(pki, file, 'a43-policy');
    });
    afterAll(() => server.stop());

    it('matches "CN=alice" on the certificate subject (RFC 4514), her URI SAN being something else', async () => {
      const alice = server.as('alice');
      expect((await alice.whoAmI()).sans).toEqual(['URI:spiffe://certrpc.demo/user/alice']);
      expect(await outcome(unary(alice.kv, alice.kv.put, { key: 'a43', value: '1' }))).toBe('OK');
      expect(await outcome(unary(alice.kv, alice.kv.delete, { key: 'a43' }))).toBe('OK');
      expect(await outcome(unary(alice.echo, alice.echo.say, { message: 'hi' }))).toBe('OK');
    });

    it('matches a URI SAN exactly, and a deny rule on the subject wins over the allow rule naming the same path', async () => {
      const bob = server.as('bob');
      expect(await outcome(unary(bob.kv, bob.kv.put, { key: 'a43-bob', value: '1' }))).toBe('OK');
      expect(await outcome(unary(bob.kv, bob.kv.get, { key: 'a43-bob' }))).toBe('OK');
      const denied = await grpcError(unary(bob.kv, bob.kv.delete, { key: 'a43-bob' }));
      expect(denied.code).toBe(status.PERMISSION_DENIED);
      expect(denied.details).toContain('bob-may-not-delete');
      expect(await outcome(unary(bob.echo, bob.echo.say, { message: 'hi' }))).toBe('PERMISSION_DENIED');
    });

    it('matches a DNS SAN exactly, for its path only', async () => {
      const worker = server.as('worker');
      expect(await outcome(unary(worker.echo, worker.echo.say, { message: 'hi' }))).toBe('OK');
      expect(await outcome(unary(worker.kv, worker.kv.get, { key: 'x' }))).toBe('PERMISSION_DENIED');
    });

    it('"*" as a principal admits any certificate (here one with a subject and no SAN), for its path only', async () => {
      const carol = server.as('carol');
      expect((await carol.whoAmI()).commonName).toBe('carol');
      expect(await outcome(unary(carol.kv, carol.kv.get, { key: 'x' }))).toBe('PERMISSION_DENIED');
      expect(await outcome(unary(carol.echo, carol.echo.say, { message: 'hi' }))).toBe('PERMISSION_DENIED');
    });
  });

  describe('header conditions (certrpc YAML headers:)', () => {
    let server: Awaited<ReturnType<typeof policyServer>>;
    beforeAll(async () => {
      const file = join(tmp.dir, 'headers.yaml');
      writeFileSync(file, HEADERS_POLICY);
      server = await policyServer(pki, file, 'headers-policy');
    });
    afterAll(() => server.stop());

    const md = (...pairs: [string, string][]) => {
      const m = new Metadata();
      for (const [k, v] of pairs) m.add(k, v);
      return m;
    };

    it('allows a call carrying one of the listed values', async () => {
      const alice = server.as('alice');
      expect(await outcome(unary(alice.kv, alice.kv.get, { key: 'k' }, md(['x-tenant', 'acme'])))).toBe('OK');
      expect(await outcome(unary(alice.kv, alice.kv.get, { key: 'k' }, md(['x-tenant', 'globex'])))).toBe('OK');
    });

    it('denies a call without the header, with another value, or with the header sent twice (matched as "acme,globex")', async () => {
      const alice = server.as('alice');
      const missing = await grpcError(unary(alice.kv, alice.kv.get, { key: 'k' }));
      expect(missing.code).toBe(status.PERMISSION_DENIED);
      expect(missing.details).toContain('x-tenant');
      expect(await outcome(unary(alice.kv, alice.kv.get, { key: 'k' }, md(['x-tenant', 'initech'])))).toBe('PERMISSION_DENIED');
      expect(await outcome(unary(alice.kv, alice.kv.get, { key: 'k' }, md(['x-tenant', 'acme'], ['x-tenant', 'globex'])))).toBe(
        'PERMISSION_DENIED',
      );
    });

    it('lets a deny rule with a header condition win over the allow rule, only when its header matches', async () => {
      const alice = server.as('alice');
      expect(await outcome(unary(alice.kv, alice.kv.put, { key: 'k', value: 'v' }, md(['x-tenant', 'acme'], ['x-debug', 'off'])))).toBe(
        'OK',
      );
      const denied = await grpcError(unary(alice.kv, alice.kv.put, { key: 'k', value: 'v' }, md(['x-tenant', 'acme'], ['x-debug', 'on'])));
      expect(denied.code).toBe(status.PERMISSION_DENIED);
      expect(denied.details).toContain('no-puts-in-debug-mode');
      // The same headers on a method the deny rule does not name: allowed.
      expect(await outcome(unary(alice.kv, alice.kv.get, { key: 'k' }, md(['x-tenant', 'acme'], ['x-debug', 'on'])))).toBe('OK');
    });

    it('a caller without the role is denied whatever headers it sends', async () => {
      const bob = server.as('bob');
      expect(await outcome(unary(bob.kv, bob.kv.get, { key: 'k' }, md(['x-tenant', 'acme'])))).toBe('PERMISSION_DENIED');
    });
  });
});
