// Issue 12, items 3 and 6 (server side): revocation fails closed. Deleting crl.pem used to turn
// revocation off within a second (one info line, "reloaded"); an older copy of crl.pem was taken as
// readily as a newer one; and a server started with revocations on record but no CRL served every
// revoked certificate. Real `certrpc serve` and `certrpc proxy` processes, real handshakes.
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa, loadSigningCa } from '../../src/pki/ca';
import { createCrl, parseCrls } from '../../src/pki/crl';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { probeTls } from '../../src/tls/probe';
import { demoClients } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const POLICY = join(__dirname, '..', '..', 'policy.yaml');
const ERROR_LEVEL = 50;

type Line = Record<string, unknown>;
const crlNumbers = (l: Line) => (Array.isArray(l.crls) ? (l.crls as { crlNumber?: number }[]).map((c) => c.crlNumber) : []);

/** Waits for a "reloaded" line whose CRLs all carry this number. */
function reloadedTo(process: RunningServer, crlNumber: number): Promise<Line> {
  return eventually(
    () =>
      logLines(process.logs()).find(
        (l) => l.event === 'reloaded' && crlNumbers(l).length > 0 && crlNumbers(l).every((n) => n === crlNumber),
      ),
    `a reload to CRL number ${crlNumber}`,
  );
}

/** Waits for a refused change logged after the first `after` lines. */
function refusedAfter(process: RunningServer, after: number, problem: RegExp): Promise<Line> {
  return eventually(
    () =>
      logLines(process.logs())
        .slice(after)
        .find((l) => l.event === 'reload_refused' && problem.test(String(l.problem))),
    `a refused reload matching ${problem}`,
  );
}

async function whoAmI(address: string, tls: ClientTlsMaterial): Promise<string> {
  const client = demoClients(address, tls);
  try {
    return (await client.whoAmI()).commonName;
  } finally {
    client.close();
  }
}

describe('crl.pem deleted: the last good CRL stays in force, in the server and the proxy', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let proxy: RunningServer;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);
  const viaProxy = (name: string) =>
    runCli([
      'call',
      server.address,
      'certrpc.v1.Identity/WhoAmI',
      '--identity',
      name,
      '--dir',
      tmp.dir,
      '--proxy',
      `https://${proxy.address}`,
    ]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    expect((await cli('cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'bob', '--reason', 'keyCompromise')).code).toBe(0);
    server = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0']);
    proxy = await startCli(['proxy', '--dir', tmp.dir, '--listen', '127.0.0.1:0', '--policy', POLICY]);
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    tmp.cleanup();
  });

  it('bob stays refused by both, and both log an error naming the file and the fix', async () => {
    expect((await probeTls(server.address, clientTls(pki, 'bob'))).ok).toBe(false);
    const [serverBefore, proxyBefore] = [logLines(server.logs()).length, logLines(proxy.logs()).length];
    rmSync(pki.crlFile);
    for (const [process, before] of [
      [server, serverBefore],
      [proxy, proxyBefore],
    ] as const) {
      const line = await refusedAfter(process, before, /crl\.pem/);
      expect(line.level).toBe(ERROR_LEVEL);
      expect(String(line.problem)).toContain(pki.crlFile);
      expect(String(line.problem)).toMatch(/fix: .*certrpc ca crl/);
      expect(String(line.msg)).toMatch(/last good one stays in force/);
    }
    // Still enforced on new connections, by both.
    expect((await probeTls(server.address, clientTls(pki, 'bob'))).ok).toBe(false);
    const refusedByProxy = await viaProxy('bob');
    expect(refusedByProxy.code).toBe(1);
    expect(refusedByProxy.stderr).toContain('this proxy refused your client certificate: it is revoked [CERT_REVOKED]');
    expect(await whoAmI(server.address, clientTls(pki, 'alice'))).toBe('alice');

    // The fix the error names brings the file back, with a higher number.
    expect((await cli('ca', 'crl')).code).toBe(0);
    await reloadedTo(server, 2);
    await reloadedTo(proxy, 2);
  });
});

describe('an older crl.pem, a deleted ca.crt or server.key: the last good material stays in force', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    expect((await cli('cert', 'issue', 'eve', '--client')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'bob', '--reason', 'keyCompromise')).code).toBe(0);
    server = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0']);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('a lower CRL number is refused: eve, revoked in the newer CRL, stays refused', async () => {
    const older = readFileSync(pki.crlFile, 'utf8'); // number 1: bob only
    expect((await cli('cert', 'revoke', 'eve')).code).toBe(0);
    await reloadedTo(server, 2);
    expect((await probeTls(server.address, clientTls(pki, 'eve'))).ok).toBe(false);
    const before = logLines(server.logs()).length;
    writeFileSync(pki.crlFile, older);
    const line = await refusedAfter(server, before, /older than the one in force/);
    expect(line.level).toBe(ERROR_LEVEL);
    expect(String(line.problem)).toMatch(/CRL number 1,.*CRL number 2/);
    expect((await probeTls(server.address, clientTls(pki, 'eve'))).ok).toBe(false);
    expect(await whoAmI(server.address, clientTls(pki, 'alice'))).toBe('alice');
    expect((await cli('ca', 'crl')).code).toBe(0);
    await reloadedTo(server, 3);
  });

  it("a forged crl.pem (the CA's name, another key) is refused: bob stays refused", async () => {
    const before = logLines(server.logs()).length;
    const impostor = await createCa({ commonName: 'certrpc demo CA' });
    writeFileSync(
      pki.crlFile,
      await createCrl(await loadSigningCa(impostor.certPem, impostor.keyPem), [], {
        crlNumber: 1000,
        nextUpdate: new Date(Date.now() + 86_400_000),
      }),
    );
    expect((await refusedAfter(server, before, /not signed by that CA/)).level).toBe(ERROR_LEVEL);
    expect((await probeTls(server.address, clientTls(pki, 'bob'))).ok).toBe(false);
    expect((await cli('ca', 'crl')).code).toBe(0);
    await reloadedTo(server, 4);
  });

  it('an expired CRL is taken (it may list new revocations): every client of its CA is refused, the log says republish', async () => {
    const before = logLines(server.logs()).length;
    const now = Date.now();
    // Signed, numbered above the one in force, listing the same revocations, but its nextUpdate has passed.
    const [current] = parseCrls(readFileSync(pki.crlFile, 'utf8'));
    writeFileSync(
      pki.crlFile,
      await createCrl(await pki.loadCa(), current.entries, { crlNumber: 50, thisUpdate: new Date(now), nextUpdate: new Date(now - 1000) }),
    );
    await reloadedTo(server, 50);
    const warning = await eventually(
      () =>
        logLines(server.logs())
          .slice(before)
          .find((l) => l.event === 'expiry_warning' && l.what === 'crl'),
      'the expired-CRL error',
    );
    expect(warning.level).toBe(ERROR_LEVEL);
    expect(String(warning.msg)).toMatch(/republish with certrpc ca crl/);
    expect((await probeTls(server.address, clientTls(pki, 'alice'))).ok).toBe(false);
    const refusal = await eventually(
      () =>
        logLines(server.logs())
          .slice(before)
          .find((l) => l.event === 'handshake_refused' && l.subject === 'CN=alice'),
      "alice's refusal",
    );
    expect(refusal).toMatchObject({ code: 'CRL_HAS_EXPIRED', reason: expect.stringMatching(/republish it with certrpc ca crl/) });
    expect((await cli('ca', 'crl')).code).toBe(0);
    await reloadedTo(server, 51);
    expect(await whoAmI(server.address, clientTls(pki, 'alice'))).toBe('alice');
    expect((await probeTls(server.address, clientTls(pki, 'bob'))).ok).toBe(false);
  });

  it('a deleted ca.crt or server.key is refused the same way', async () => {
    const [alice, bob] = [clientTls(pki, 'alice'), clientTls(pki, 'bob')];
    for (const file of [pki.caCertFile, pki.keyFile('server')]) {
      const saved = `${file}.saved`;
      copyFileSync(file, saved);
      const before = logLines(server.logs()).length;
      rmSync(file);
      expect((await refusedAfter(server, before, /not found/)).level).toBe(ERROR_LEVEL);
      expect(await whoAmI(server.address, alice)).toBe('alice');
      expect((await probeTls(server.address, bob)).ok).toBe(false);
      copyFileSync(saved, file);
      rmSync(saved);
    }
  });
});

describe('start-up with revocations on record: refused without a CRL that lists them', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    expect((await cli('cert', 'issue', 'proxy', '--server', '--san', 'DNS:localhost,IP:127.0.0.1')).code).toBe(0);
    expect((await cli('cert', 'issue', 'eve', '--client')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'bob', '--reason', 'keyCompromise')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'eve')).code).toBe(0);
  });
  afterAll(() => tmp.cleanup());

  it('serve and proxy exit 1 without crl.pem, naming the file, the record and the fix', async () => {
    rmSync(pki.crlFile);
    for (const command of [
      ['serve', '--demo', '--port', '0'],
      ['proxy', '--listen', '127.0.0.1:0'],
    ]) {
      const refused = await runCli([...command, '--dir', tmp.dir], { timeoutMs: 15_000 });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`${pki.crlFile}: missing, but ${pki.revocationsFile} records 2 revocations`);
      expect(refused.stderr).toMatch(/fix: .*certrpc ca crl/);
    }
  });

  it('serve exits 1 with a signed crl.pem that does not list a revocation on record', async () => {
    // A CRL from before eve's revocation: valid and signed, but it does not list her.
    writeFileSync(pki.crlFile, await crlListingBobOnly(pki));
    const stale = await runCli(['serve', '--demo', '--port', '0', '--dir', tmp.dir], { timeoutMs: 15_000 });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/does not list serial [0-9a-f]+ \("eve"\)/);
    expect(stale.stderr).toMatch(/fix: .*certrpc ca crl/);
  });
});

/** A CRL signed by the directory's CA listing bob only (as published before eve was revoked). */
async function crlListingBobOnly(pki: PkiDir): Promise<string> {
  const records = JSON.parse(readFileSync(pki.revocationsFile, 'utf8')) as {
    revoked: { serial: string; revokedAt: string; name?: string }[];
  };
  const bob = records.revoked.filter((r) => r.name === 'bob');
  return createCrl(
    await pki.loadCa(),
    bob.map((r) => ({ serial: r.serial, revokedAt: new Date(r.revokedAt), reason: 'keyCompromise' })),
    {
      crlNumber: 99,
      nextUpdate: new Date(Date.now() + 86_400_000),
    },
  );
}
