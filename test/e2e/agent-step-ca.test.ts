// Issue 16 item 6: `certrpc agent --step-ca` against a real smallstep step-ca 0.19 (built from
// Debian's packages by scripts/step-ca.sh). Enrollment with a provisioner's one-time token (the CSR
// states the token's names), renewal over mutual TLS at 2/3 of the real lifetime (step-ca backdates
// notBefore by a minute), --exec, certrpc serve and call on the agent's files, and every refusal with
// its exit code and nothing changed on disk: a revoked certificate (step-ca has no CRL: its renewal
// is refused), an expired one, a wrong fingerprint, a reused token, a token for another name.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createCa, loadSigningCa } from '../../src/pki/ca';
import { createCrl } from '../../src/pki/crl';
import { pemBlocks } from '../../src/pki/pem';
import { serialHex } from '../../src/pki/verify';
import { revoke } from '../../src/stepca/client';
import { RunningProcess, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { agentEvent, AgentArgs, agentOnce, diskState, startAgent } from '../helpers/fleet';
import { describeWhenSupported } from '../helpers/requirements';
import { findStepCa, RunningStepCa, startStepCa } from '../helpers/step-ca';
import { tempDir } from '../helpers/temp-dir';
import { freePort, requireTool, run } from '../helpers/tools';

jest.setTimeout(120_000);

const stepCa = findStepCa();
const chainOf = (file: string) => pemBlocks(readFileSync(file, 'utf8')).map((p) => new X509Certificate(p));
const der = (pem: string) => new X509Certificate(pem).raw;

describeWhenSupported(stepCa.missing, 'certrpc agent --step-ca: a real step-ca 0.19', () => {
  const tmp = tempDir('certrpc-agent-step-ca-');
  const host = (name: string) => join(tmp.dir, 'hosts', name);
  /** step-ca's default lifetime: 10 minutes here (enrollment, serving, refusals), 10 s on `short` (renewal, revocation). */
  let ca: RunningStepCa;
  let short: RunningStepCa;
  const agents: RunningProcess[] = [];
  const on = (c: RunningStepCa, name: string, extra: Partial<AgentArgs> = {}): AgentArgs => ({
    stepCa: c.url,
    fingerprint: c.fingerprint,
    dir: host(name),
    name,
    ...extra,
  });

  beforeAll(async () => {
    requireTool('openssl');
    [ca, short] = await Promise.all([
      startStepCa(stepCa.binary!, join(tmp.dir, 'ca')),
      startStepCa(stepCa.binary!, join(tmp.dir, 'short-ca'), { claims: { defaultTLSCertDuration: '10s' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await Promise.all([ca?.stop(), short?.stop()]);
    tmp.cleanup();
  });

  it("enrolls with a token: the key made here (0600), NAME.crt = the certificate and step-ca's intermediate with the token's names, ca.crt = the root, no crl.pem", async () => {
    // The fingerprint as openssl prints it; step-ca's own spelling (lower-case hex) works as well (the other tests).
    const opensslPin = execFileSync('openssl', ['x509', '-in', ca.rootFile, '-noout', '-fingerprint', '-sha256'], {
      encoding: 'utf8',
    }).trim();
    const r = await agentOnce({ ...on(ca, 'web1'), fingerprint: opensslPin, token: ca.token('web1', ['localhost', '127.0.0.1']) });
    expect(r.stderr).not.toMatch(/"level":(40|50)/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^web1: enrolled, serial [0-9a-f]+, expires /);
    const dir = host('web1');
    expect(r.stdout).toContain(`  wrote ${join(dir, 'web1.key')}\n  wrote ${join(dir, 'web1.crt')}\n  wrote ${join(dir, 'ca.crt')}\n`);
    expect(statSync(join(dir, 'web1.key')).mode & 0o777).toBe(0o600);
    const chain = chainOf(join(dir, 'web1.crt'));
    expect(chain.map((c) => c.subject)).toEqual(['CN=web1', 'O=certrpc tests\nCN=step-ca test intermediate']);
    expect(chain[1].raw.equals(der(ca.intermediatePem))).toBe(true);
    expect(chain[0].subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(chain[0].keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']); // step-ca: serverAuth and clientAuth
    expect(pemBlocks(readFileSync(join(dir, 'ca.crt'), 'utf8')).map(der)).toEqual([der(ca.rootPem)]);
    expect(existsSync(join(dir, 'crl.pem'))).toBe(false);
    const verified = execFileSync(
      'openssl',
      ['verify', '-CAfile', join(dir, 'ca.crt'), '-untrusted', join(dir, 'web1.crt'), join(dir, 'web1.crt')],
      { encoding: 'utf8' },
    );
    expect(verified.trim()).toBe(`${join(dir, 'web1.crt')}: OK`);
    // Not due: a second run changes nothing and needs no token.
    const before = diskState(dir);
    const again = await agentOnce(on(ca, 'web1'));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^web1: current, serial /);
    expect(diskState(dir)).toEqual(before);
  });

  it("certrpc serve on the agent's server identity, certrpc call on an agent's client identity: the call works, each side verifies the other's chain up to the root", async () => {
    const app = await agentOnce({ ...on(ca, 'app1'), token: ca.token('app1') });
    expect(app.code).toBe(0);
    const server = await startCli(['serve', '--dir', host('web1'), '--name', 'web1', '--port', '0']);
    try {
      const r = await runCli(['call', server.address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'app1', '--dir', host('app1')]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const who = JSON.parse(r.stdout) as { commonName: string; sans: string[]; issuer: string };
      expect(who).toMatchObject({ commonName: 'app1', sans: ['DNS:app1'] });
      expect(who.issuer).toMatch(/step-ca test intermediate/);
      // The server sends its certificate and the intermediate; the client's root alone verifies them.
      const s = await run(
        requireTool('openssl'),
        [
          's_client',
          '-connect',
          server.address,
          '-CAfile',
          join(host('app1'), 'ca.crt'),
          '-showcerts',
          '-verify_return_error',
          '-cert',
          join(host('app1'), 'app1.crt'),
          '-key',
          join(host('app1'), 'app1.key'),
        ],
        { timeoutMs: 10_000 },
      );
      expect((s.stdout.match(/^ *\d+ s:.*$/gm) ?? []).map((l) => l.trim())).toEqual([
        expect.stringMatching(/^0 s:CN ?= ?web1$/),
        expect.stringMatching(/^1 s:O ?= ?certrpc tests, CN ?= ?step-ca test intermediate$/),
      ]);
      expect(s.stdout).toMatch(/Verify return code: 0 \(ok\)/);
    } finally {
      await server.stop();
    }
  });

  it('the daemon renews at 2/3 of the real lifetime (not of notBefore..notAfter: step-ca backdates a minute), over mutual TLS with the same key, and runs --exec after each change', async () => {
    const marks = join(tmp.dir, 'exec-marks.txt');
    const agent = startAgent({
      ...on(short, 'short1'),
      token: short.token('short1'),
      extra: ['--exec', `echo "$CERTRPC_AGENT_EVENT $CERTRPC_AGENT_CHANGED" >> ${marks}`],
    });
    agents.push(agent);
    const dir = host('short1');
    const enrolled = await agentEvent(agent, 'enrolled');
    const first = chainOf(join(dir, 'short1.crt'))[0];
    const key = readFileSync(join(dir, 'short1.key'), 'utf8');
    expect(serialHex(first)).toBe(enrolled.serial);
    const got = Date.parse(String(enrolled.time));
    const life = Date.parse(first.validTo) - got;
    expect(life).toBeGreaterThan(8_000);
    expect(life).toBeLessThanOrEqual(10_000);
    expect(got - Date.parse(first.validFrom)).toBeGreaterThan(50_000); // the backdate: 2/3 of validFrom..validTo was due before issuance
    const renewed = await agentEvent(agent, 'renewed');
    expect(renewed.previous).toBe(enrolled.serial);
    const at = (Date.parse(String(renewed.time)) - got) / life;
    expect(at).toBeGreaterThan(0.55); // 2/3, give or take the 5% jitter and the time a renewal takes
    expect(at).toBeLessThan(0.85);
    // /1.0/renew keeps the key: the key file is not rewritten; the certificate is new, for the same key.
    expect(readFileSync(join(dir, 'short1.key'), 'utf8')).toBe(key);
    const next = chainOf(join(dir, 'short1.crt'));
    expect(next[0].serialNumber).not.toBe(first.serialNumber);
    expect(next[0].publicKey.export({ format: 'der', type: 'spki' }).equals(first.publicKey.export({ format: 'der', type: 'spki' }))).toBe(
      true,
    );
    expect(next[1].raw.equals(der(short.intermediatePem))).toBe(true);
    const lines = await eventually(
      () =>
        existsSync(marks) &&
        readFileSync(marks, 'utf8').split('\n').filter(Boolean).length >= 2 &&
        readFileSync(marks, 'utf8').split('\n').filter(Boolean),
      '--exec after the enrollment and the renewal',
    );
    expect(lines.slice(0, 2)).toEqual([
      `enrolled ${join(dir, 'short1.key')} ${join(dir, 'short1.crt')} ${join(dir, 'ca.crt')}`,
      `renewed ${join(dir, 'short1.crt')}`,
    ]);
    // It goes on: the renewed certificate is renewed in turn, again not at once.
    const second = await agentEvent(agent, 'renewed', 2);
    expect(Date.parse(String(second.time)) - Date.parse(String(renewed.time))).toBeGreaterThan(3_000);
    expect(logLines(agent.logs()).filter((l) => (l.level as number) >= 40)).toEqual([]);
    expect(existsSync(join(dir, 'crl.pem'))).toBe(false);
    expect(await agent.stop()).toBe(0);
  });

  it("a revoked certificate: the daemon's next renewal is refused, it stops (exit 1) saying so, the files stay; a new token enrolls the host again", async () => {
    const agent = startAgent({ ...on(short, 'rev1'), token: short.token('rev1') });
    agents.push(agent);
    await agentEvent(agent, 'enrolled');
    const dir = host('rev1');
    const leaf = chainOf(join(dir, 'rev1.crt'))[0];
    await revoke(short.url, short.rootPem, { serial: leaf.serialNumber, token: short.revokeToken(leaf.serialNumber) });
    const before = diskState(dir);
    expect(await agent.exited).toBe(1);
    const lost = logLines(agent.logs()).find((l) => l.event === 'identity_lost');
    expect(lost?.msg).toMatch(
      new RegExp(
        `^revoked: step-ca refused to renew "CN=rev1" \\(serial ${leaf.serialNumber}, .*\\(HTTP 401: .*it has been revoked .*; the agent stops, ${dir}/rev1.crt and ${dir}/rev1.key stay as they are$`,
      ),
    );
    expect(agent.logs()).toMatch(/certrpc: revoked: step-ca refused to renew "CN=rev1"/);
    expect(agent.logs()).toMatch(
      /fix: this certificate cannot be renewed: it stays in use until it expires .*; enroll this host again with a new one-time token/,
    );
    expect(logLines(agent.logs()).filter((l) => l.event === 'renewed')).toEqual([]);
    expect(diskState(dir)).toEqual(before);
    // step-ca said why in its own log.
    await eventually(
      () => short.logs().includes('authority.authorizeRenew: certificate has been revoked'),
      'step-ca to log the refused renewal',
    );

    // --once without a token cannot know (no CRL) until the renewal is due; with a new token it asks step-ca now, is refused, and enrolls again.
    const r = await agentOnce({ ...on(short, 'rev1'), token: short.token('rev1') });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rev1: enrolled, serial [0-9a-f]+/);
    expect(r.stderr).toMatch(/"event":"re_enroll".*revoked: step-ca refused to renew.*: enrolling again with the token/);
    const renewedLeaf = chainOf(join(dir, 'rev1.crt'))[0];
    expect(renewedLeaf.serialNumber).not.toBe(leaf.serialNumber);
    expect(readFileSync(join(dir, 'rev1.key'), 'utf8')).not.toBe(before[join(dir, 'rev1.key')].slice(4));
    expect(renewedLeaf.checkPrivateKey(createPrivateKey(readFileSync(join(dir, 'rev1.key'))))).toBe(true);
  });

  it('a token given for a certificate step-ca still renews is not used: the certificate is renewed and the token says so', async () => {
    expect((await agentOnce({ ...on(short, 'keep1'), token: short.token('keep1') })).code).toBe(0);
    const spare = short.token('keep1');
    const r = await agentOnce({ ...on(short, 'keep1'), token: spare });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^keep1: renewed, serial [0-9a-f]+, .*\(the token was not used: the CA still renews this certificate\)/);
    expect(r.stdout).toContain(`  wrote ${join(host('keep1'), 'keep1.crt')}\n`);
    // The daemon started with it does the same, and says so.
    const daemon = startAgent({ ...on(short, 'keep1'), token: spare });
    agents.push(daemon);
    expect(await agentEvent(daemon, 'token_not_used')).toMatchObject({
      level: 30,
      msg: expect.stringMatching(/the token was not used: the CA still renews this certificate/),
    });
    expect(logLines(daemon.logs()).filter((l) => l.event === 'renewed')).toHaveLength(1);
    expect(await daemon.stop()).toBe(0);
    // Still good for an enrollment.
    expect((await agentOnce({ ...on(short, 'keep1', { dir: host('keep1-elsewhere') }), token: spare })).code).toBe(0);
  });

  it('refuses, saying why, changing nothing: a wrong fingerprint, a reused token, a token for another name, a malformed token, an unreachable CA, a foreign crl.pem, --ca with --step-ca', async () => {
    const used = ca.token('used1');
    expect((await agentOnce({ ...on(ca, 'used1'), token: used })).code).toBe(0);
    const db1 = ca.token('db1', ['db1.internal', '10.0.0.5']);
    const port = await freePort();
    const [pin, reused, otherName, malformed, unreachable] = await Promise.all([
      agentOnce({ ...on(ca, 'pin1'), fingerprint: 'ab'.repeat(32), token: ca.token('pin1') }),
      agentOnce({ ...on(ca, 'used1', { dir: host('used1-copy') }), token: used }),
      agentOnce({ ...on(ca, 'web9'), token: db1 }),
      agentOnce({ ...on(ca, 'bad1'), token: 'not-a-token' }),
      agentOnce({ ...on(ca, 'far1'), stepCa: `https://127.0.0.1:${port}`, token: ca.token('far1') }),
    ]);
    expect(pin.code).toBe(1);
    expect(pin.stderr).toMatch(new RegExp(`has no root with SHA-256 ${'ab'.repeat(32)} \\(HTTP 404: .*\\): it is not the CA you pinned`));
    expect(pin.stderr).toMatch(/fix: check --ca-fingerprint against the "X\.509 Root Fingerprint"/);
    expect(reused.code).toBe(64 + 16);
    expect(reused.stderr).toMatch(/step-ca refused the one-time token \(HTTP 401: .*\): a one-time token works once/);
    expect(otherName.code).toBe(2);
    expect(otherName.stderr).toMatch(
      /--token: this token is for "db1" \(DNS:db1\.internal, IP:10\.0\.0\.5\), not for web9: .*Nothing was sent or written; the token was not used/,
    );
    expect(otherName.stderr).toMatch(/fix: ask for a token for web9 \(from the CA operator: a new one-time token whose subject is web9/);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--token: this is not a step-ca one-time token/);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/step-ca at https:\/\/127\.0\.0\.1:\d+ cannot be reached .*ECONNREFUSED/);
    for (const r of [pin, reused, unreachable]) expect(r.stderr).toMatch(/nothing on disk was changed/);
    for (const name of ['pin1', 'used1-copy', 'web9', 'bad1', 'far1']) expect(existsSync(host(name))).toBe(false);
    // The token for db1 was not spent by the refusal: db1 enrolls with it, its CSR stating the token's names.
    const db = await agentOnce({ ...on(ca, 'db1'), token: db1 });
    expect(db.code).toBe(0);
    expect(chainOf(join(host('db1'), 'db1.crt'))[0].subjectAltName).toBe('DNS:db1.internal, IP Address:10.0.0.5');

    // A crl.pem already in DIR is another CA's (step-ca has none): refused before anything is sent; the token stays good.
    const foreign = host('crl1');
    mkdirSync(foreign, { recursive: true });
    const other = await createCa({ commonName: 'some other CA' });
    writeFileSync(
      join(foreign, 'crl.pem'),
      await createCrl(await loadSigningCa(other.certPem, other.keyPem), [], {
        crlNumber: 1,
        nextUpdate: new Date(Date.now() + 86_400_000),
      }),
    );
    const before = diskState(foreign);
    const token = ca.token('crl1');
    const stale = await agentOnce({ ...on(ca, 'crl1'), token });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(
      `${join(foreign, 'crl.pem')}: ${join(foreign, 'crl.pem')} is there, but this CA publishes no CRL: it is another CA's`,
    );
    expect(stale.stderr).toMatch(/fix: if .* now follows this CA, move crl\.pem \(and revocations\.json\) out of it/);
    expect(diskState(foreign)).toEqual(before);
    expect((await agentOnce({ ...on(ca, 'crl1', { dir: host('crl1-clean') }), token })).code).toBe(0);

    const both = await agentOnce({ ...on(ca, 'x1'), ca: '127.0.0.1:8443' });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give --ca or --step-ca, not both/);
    const neither = await runCli(['agent', '--ca-fingerprint', ca.fingerprint, '--dir', host('x1'), '--name', 'x1', '--once']);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/no CA: give --ca HOST:PORT \(certrpc ca serve\) or --step-ca https:\/\/HOST:PORT/);
    const plain = await agentOnce({ ...on(ca, 'x1'), stepCa: ca.url.replace('https:', 'http:') });
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/--step-ca: ".*" is not an https:\/\/ URL/);
    expect(existsSync(host('x1'))).toBe(false);
  });

  it('a CA gone for good: the daemon waits for it at start (and stops cleanly on SIGTERM); renewals back off, and when the certificate expires it says so and stops (exit 1)', async () => {
    const waiting = startAgent(on(ca, 'wait1', { stepCa: `https://127.0.0.1:${await freePort()}`, token: ca.token('wait1') }));
    agents.push(waiting);
    expect(await agentEvent(waiting, 'ca_unreachable')).toMatchObject({ level: 40, problem: expect.stringMatching(/cannot be reached/) });
    expect(await waiting.stop()).toBe(0);
    expect(existsSync(host('wait1'))).toBe(false);

    const doomed = await startStepCa(stepCa.binary!, join(tmp.dir, 'doomed-ca'), { claims: { defaultTLSCertDuration: '10s' } });
    const agent = startAgent({ ...on(doomed, 'exp1'), token: doomed.token('exp1') });
    agents.push(agent);
    try {
      await agentEvent(agent, 'enrolled');
    } finally {
      await doomed.stop();
    }
    const before = diskState(host('exp1'));
    expect(await agent.exited).toBe(1);
    const lines = logLines(agent.logs());
    const failures = lines.filter((l) => l.event === 'renew_failed');
    expect(failures.length).toBeGreaterThan(1);
    for (const f of failures) expect(f).toMatchObject({ level: 40, problem: expect.stringMatching(/cannot be reached/) }); // a warning: worth retrying
    const lost = lines.find((l) => l.event === 'identity_lost');
    expect(lost?.msg).toMatch(
      /^this host's certificate \(serial [0-9a-f]+\) expired at .* before it could be renewed \(the last try: step-ca at .* cannot be reached .*\); it cannot renew itself/,
    );
    expect(agent.logs()).toMatch(/fix: get the CA answering again, then enroll this host again with a new one-time token/);
    expect(diskState(host('exp1'))).toEqual(before);
  });
});
