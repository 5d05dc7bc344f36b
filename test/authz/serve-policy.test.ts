// `certrpc serve --policy FILE` as a child process: the policy decides, an edit flips a decision
// without a restart, a broken edit is logged and refused; without --policy the server warns and
// allows only health checks and WhoAmI.
import { status as Status } from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { RunningServer, startCli } from '../helpers/cli';
import { clientTls, demoPki } from '../helpers/pki';
import { logLines } from '../helpers/eventually';
import { tempDir } from '../helpers/temp-dir';

const DEMO_POLICY = readFileSync(join(__dirname, '..', '..', 'policy.yaml'), 'utf8');
const BOB_MAY_PUT = DEMO_POLICY.replace(
  '      - /demo.v1.KeyValue/Watch\n',
  '      - /demo.v1.KeyValue/Watch\n      - /demo.v1.KeyValue/Put\n',
);

/** Polls the child's JSON log until a line satisfies `match` (no sleeps in the assertions themselves). */
async function logLine(
  server: RunningServer,
  match: (line: Record<string, unknown>) => boolean,
  what: string,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = server
      .logs()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no log line for ${what}; logs:\n${server.logs()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('certrpc serve --policy', () => {
  const tmp = tempDir();
  const policyFile = join(tmp.dir, 'policy.yaml');
  let pki: PkiDir;
  let server: RunningServer;
  let bob: ReturnType<typeof demoClients>;

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    writeFileSync(policyFile, DEMO_POLICY);
    server = await startCli(['serve', '--demo', '--dir', pki.dir, '--port', '0', '--policy', policyFile, '--audit', 'none']);
    bob = demoClients(server.address, clientTls(pki, 'bob'));
  });
  afterAll(async () => {
    bob.close();
    await server?.stop();
    tmp.cleanup();
  });

  const bobPut = () => grpcError(unary(bob.kv, bob.kv.put, { key: 'k', value: 'v' })).catch(() => 'allowed');

  it('decides by the policy: bob may Get but not Put', async () => {
    expect(await unary(bob.kv, bob.kv.get, { key: 'k' })).toMatchObject({ found: false });
    expect(await bobPut()).toMatchObject({
      code: Status.PERMISSION_DENIED,
      details: 'CN=bob (roles: reader) may not call /demo.v1.KeyValue/Put: allowed roles are admin',
    });
  });

  it('an edit of the file flips the decision on the running server', async () => {
    writeFileSync(policyFile, BOB_MAY_PUT);
    await logLine(server, (l) => l.msg === 'authorization policy reloaded' && l.generation === 2, 'the reload');
    expect(await bobPut()).toBe('allowed');
  });

  it('a broken edit is logged with the problem and refused; the last good policy keeps working', async () => {
    writeFileSync(policyFile, BOB_MAY_PUT.replace('methods: ["*"]', 'methods: ["/demo.v1.*"]'));
    const refused = await logLine(server, (l) => l.level === 50, 'the refusal');
    expect(refused.msg).toMatch(/^authorization policy change refused; the last good one stays in force: /);
    expect(String(refused.problem)).toMatch(/policy\.yaml:\d+:\d+: rules\[0\]\.methods\[0\]: "\/demo\.v1\.\*".*\n {2}fix: /);
    expect(await bobPut()).toBe('allowed');
  });
});

describe('certrpc serve without --policy', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    server = await startCli(['serve', '--demo', '--dir', pki.dir, '--port', '0']);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('warns at start and denies everything except health checks and WhoAmI, even to alice', async () => {
    const warning = await logLine(server, (l) => l.level === 40, 'the warning');
    expect(warning.msg).toMatch(
      /^no authorization policy given: this server denies every call except health checks .* and \/certrpc\.v1\.Identity\/WhoAmI$/,
    );
    // The library names no CLI flag; the CLI gives the fix in its own words.
    expect(warning.fix).toBe('start it with --policy FILE');
    // Said once.
    expect(logLines(server.logs()).filter((l) => l.event === 'no_policy')).toHaveLength(1);
    const alice = demoClients(server.address, clientTls(pki, 'alice'));
    expect(await alice.whoAmI()).toMatchObject({ commonName: 'alice', roles: [] });
    // grpc.health.v1.Health/Check with an empty HealthCheckRequest (zero bytes on the wire).
    const health = await new Promise<Buffer>((resolve, reject) =>
      alice.kv.makeUnaryRequest(
        '/grpc.health.v1.Health/Check',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.alloc(0),
        (e, r) => (e ? reject(e) : resolve(r!)),
      ),
    );
    expect(health).toBeInstanceOf(Buffer);
    const err = await grpcError(unary(alice.kv, alice.kv.get, { key: 'k' }));
    expect(err.code).toBe(Status.PERMISSION_DENIED);
    expect(err.details).toMatch(
      /runs without an authorization policy, so it allows only health checks and WhoAmI \(its operator must give it one\)/,
    );
    alice.close();
  });
});
