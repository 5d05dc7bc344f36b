// Hot reload on a running server: an edit flips a decision without a restart; a broken edit is
// logged once and refused while the last good policy keeps deciding.
import { status as Status } from '@grpc/grpc-js';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { authorization, Authorization } from '../../src/authz/authorization';
import { serveDirectory } from '../../src/app/serve-directory';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const DEMO_POLICY = readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8');
const BOB_MAY_PUT = DEMO_POLICY.replace(
  '      - /demo.v1.KeyValue/Watch\n',
  '      - /demo.v1.KeyValue/Watch\n      - /demo.v1.KeyValue/Put\n',
);

describe('policy hot reload (library)', () => {
  const tmp = tempDir();
  const policyFile = join(tmp.dir, 'policy.yaml');
  const logs: Record<string, unknown>[] = [];
  let pki: PkiDir;
  let authz: Authorization;
  let server: CertrpcServer;
  let bob: ReturnType<typeof demoClients>;

  /** Like an editor: write a new file beside the old one, then rename it over (a new inode). */
  const saveByRename = (text: string) => {
    writeFileSync(`${policyFile}.swp`, text);
    renameSync(`${policyFile}.swp`, policyFile);
  };
  const bobPut = () =>
    unary(bob.kv, bob.kv.put, { key: 'k', value: 'v' }).then(
      () => 'allowed',
      (err: { code: number }) => (err.code === Status.PERMISSION_DENIED ? 'denied' : `error ${err.code}`),
    );

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    writeFileSync(policyFile, DEMO_POLICY);
    const logger = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
    authz = authorization({ policyFile, logger, audit: { mode: 'none' } });
    server = await serveDirectory({ pki, demo: true, port: 0, authorization: authz });
    bob = demoClients(`127.0.0.1:${server.listening!.port}`, clientTls(pki, 'bob'));
  });
  afterAll(async () => {
    bob.close();
    await server.shutdown(1000);
    authz.close();
    tmp.cleanup();
  });

  it('an edit saved by rename flips the decision, without a restart', async () => {
    expect(await bobPut()).toBe('denied');
    const reloaded = authz.watcher!.nextReload();
    saveByRename(BOB_MAY_PUT);
    expect(await reloaded).toEqual({ ok: true, version: 2 });
    expect(await bobPut()).toBe('allowed');
    expect(logs.filter((l) => l.msg === 'authorization policy reloaded')).toHaveLength(1);
  });

  it('a broken edit is refused with one logged error naming line and fix, and the last good policy stays', async () => {
    const refused = authz.watcher!.nextReload();
    writeFileSync(policyFile, BOB_MAY_PUT.replace('roles: [reader]', 'roles: [reader, writer]'));
    const result = await refused;
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/policy\.yaml:\d+:\d+: rules\[1\]\.roles\[1\]: unknown role "writer"\n {2}fix: /);
    const errors = logs.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ event: 'reload_refused', what: 'authorization policy', version: 2 });
    expect(errors[0].msg).toMatch(/^authorization policy change refused; the last good one stays in force: .*unknown role "writer"/);
    expect(String(errors[0].problem)).toMatch(/unknown role "writer"/);
    expect(await bobPut()).toBe('allowed');
    expect(authz.policy().generation).toBe(2);

    const syntax = authz.watcher!.nextReload();
    writeFileSync(policyFile, `${DEMO_POLICY}\n  - roles: [admin]\n    methods: [*]\n`);
    expect((await syntax).error).toMatch(/YAML syntax error/);
    expect(await bobPut()).toBe('allowed');

    // Over a load-time bound (issue 12 item 10): refused the same way, with its line.
    const tooWild = authz.watcher!.nextReload();
    const tooWildText = BOB_MAY_PUT.replace('    - cn: bob\n', `    - cn: bob\n    - cn: "${'*-'.repeat(9)}eu"\n`);
    writeFileSync(policyFile, tooWildText);
    const bound = await tooWild;
    expect(bound.ok).toBe(false);
    const line = tooWildText.split('\n').findIndex((l) => l.endsWith('eu"')) + 1;
    expect(bound.error).toContain(`policy.yaml:${line}:11: roles`);
    expect(bound.error).toMatch(/: roles\.reader\[1\]\.cn: "(\*-){9}eu" has 9 "\*"; the limit is 8 per pattern\n {2}fix: /);
    expect(await bobPut()).toBe('allowed');
    expect(authz.policy().generation).toBe(2);
  });

  it('fixing the file brings the new policy in', async () => {
    const fixed = authz.watcher!.nextReload();
    saveByRename(DEMO_POLICY);
    expect(await fixed).toEqual({ ok: true, version: 3 });
    expect(await bobPut()).toBe('denied');
    expect((await grpcError(unary(bob.kv, bob.kv.delete, { key: 'k' }))).details).toMatch(/allowed roles are admin$/);
  });
});
