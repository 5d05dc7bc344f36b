// Issue 12 item 12: an A43 policy decides on a real `certrpc serve` as gRPC's own implementations
// would (the gRFC A43 text, grpc-go's rbac_translator.go): deny and allow rules never share
// principals, `*` is only a whole value, a prefix or a suffix (a literal character elsewhere), and
// principals compare case-sensitively. Real certificates, real calls.
import { Metadata, status as Status } from '@grpc/grpc-js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { clientTls, demoPki, issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const POLICY = {
  name: 'fidelity',
  deny_rules: [
    // Denies bob Delete. Its role must hold bob only: the allow rule below is named "deny:ops".
    { name: 'ops', source: { principals: ['CN=bob'] }, request: { paths: ['/demo.v1.KeyValue/Delete'] } },
  ],
  allow_rules: [
    { name: 'deny:ops', source: { principals: ['CN=alice'] } },
    // A * in the middle is literal in A43: this allows nothing a real method is called.
    { name: 'middle-star-path', source: { principals: ['CN=bob'] }, request: { paths: ['/demo.v1.*/Get'] } },
    { name: 'middle-star-principal', source: { principals: ['CN=c*l'] }, request: { paths: ['/demo.v1.KeyValue/Get'] } },
    // Suffix match, case-sensitive as in gRPC: worker.CERTRPC.demo is not *.certrpc.demo.
    { name: 'workers', source: { principals: ['*.certrpc.demo'] }, request: { paths: ['/demo.v1.KeyValue/Get'] } },
    // Prefix match on a header value (it crosses "/", as A43 prefixes do).
    {
      name: 'dev',
      source: { principals: ['CN=dave'] },
      request: { paths: ['/demo.v1.KeyValue/Get'], headers: [{ key: 'dev-path', values: ['/dev/path/*'] }] },
    },
  ],
};

describe('an A43 policy on a real server decides as gRPC would', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  const clients: ReturnType<typeof demoClients>[] = [];
  const as = (name: string) => {
    const c = demoClients(server.address, clientTls(pki, name));
    clients.push(c);
    return c;
  };
  const get = (name: string, metadata = new Metadata()) => {
    const c = as(name);
    return unary(c.kv, c.kv.get, { key: 'k' }, metadata).then(
      () => 'allowed',
      (err: { code: number; details: string }) => (err.code === Status.PERMISSION_DENIED ? 'denied' : `error ${err.code} ${err.details}`),
    );
  };

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    await issue(pki, 'carol');
    await issue(pki, 'dave');
    await issue(pki, 'worker', { san: 'DNS:worker.certrpc.demo' });
    await issue(pki, 'shouting-worker', { san: 'DNS:worker.CERTRPC.demo' });
    writeFileSync(join(tmp.dir, 'policy.json'), JSON.stringify(POLICY, null, 2));
    expect((await runCli(['policy', 'check', join(tmp.dir, 'policy.json')])).code).toBe(0);
    server = await startCli([
      'serve',
      '--demo',
      '--dir',
      tmp.dir,
      '--port',
      '0',
      '--policy',
      join(tmp.dir, 'policy.json'),
      '--audit',
      'none',
    ]);
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await server?.stop();
    tmp.cleanup();
  });

  it('an allow rule named "deny:ops" and a deny rule named "ops" keep their own principals', async () => {
    const alice = as('alice');
    // alice is only in the allow rule: she may Delete (the deny rule is about bob alone).
    expect(await unary(alice.kv, alice.kv.delete, { key: 'k' })).toBeDefined();
    // bob is only in the deny rule: he gets none of the allow rule's permissions.
    const bob = as('bob');
    const denied = await grpcError(unary(bob.kv, bob.kv.put, { key: 'k', value: 'v' }));
    expect(denied.code).toBe(Status.PERMISSION_DENIED);
    // The deny rule's role is named "deny:ops #2": "deny:ops" is the allow rule's.
    expect(denied.details).toBe(
      'CN=bob (roles: deny:ops #2, middle-star-path) may not call /demo.v1.KeyValue/Put: allowed roles are deny:ops',
    );
    const deleteDenied = await grpcError(unary(bob.kv, bob.kv.delete, { key: 'k' }));
    expect(deleteDenied.details).toMatch(/denied by rule "ops"/);
  });

  it('"*" in the middle of a path or a principal is a literal character', async () => {
    expect(await get('bob')).toBe('denied'); // "/demo.v1.*/Get" is no method's name
    expect(await get('carol')).toBe('denied'); // "CN=c*l" is not "CN=carol"
  });

  it('suffix principals match DNS SANs case-sensitively; prefix header values cross "/"', async () => {
    expect(await get('worker')).toBe('allowed');
    expect(await get('shouting-worker')).toBe('denied');
    const header = (v: string) => {
      const m = new Metadata();
      m.set('dev-path', v);
      return m;
    };
    expect(await get('dave', header('/dev/path/a/b.c'))).toBe('allowed');
    expect(await get('dave', header('/prod/dev/path/'))).toBe('denied');
  });
});
