// Issue 16 items 2-5 over real sockets and real processes: `certrpc ca serve` (a CA with an
// intermediate), `certrpc ca token`, `certrpc agent` (--once and the daemon). Enrollment, renewal,
// the trust material, --exec; and every refusal with its reason, the exit code, and nothing changed
// on disk: a used, unknown or expired token, a wrong fingerprint, an unreachable CA, a CSR asking for
// names its token does not bind, a revoked certificate trying to renew, a race for one token.
import { ServiceError, status } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TokenStore } from '../../src/ca/token-store';
import { parseCrls } from '../../src/pki/crl';
import { createClient } from '../../src/client/create-client';
import { CertificateAuthorityClient, IssuedCertificate } from '../../src/gen/certrpc/v1/ca';
import { createKeyAndCsr } from '../../src/pki/make-csr';
import { pemBlocks } from '../../src/pki/pem';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { grpcError, unary } from '../helpers/calls';
import { RunningProcess, RunningServer, runCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { agentEvent, agentOnce, caToken, diskState, rootFingerprint, startAgent, startCa } from '../helpers/fleet';
import { opensslCsr } from '../helpers/openssl-pki';
import { tempDir } from '../helpers/temp-dir';
import { freePort, requireTool } from '../helpers/tools';
import { execFileSync } from 'node:child_process';

jest.setTimeout(120_000);

const POLICY = `
roles:
  admin: [{ cn: ops }]
rules:
  - { name: renew-self, roles: ["*"], methods: [/certrpc.v1.CertificateAuthority/Renew, /certrpc.v1.CertificateAuthority/WatchTrustBundle, /certrpc.v1.CertificateAuthority/TrustBundle] }
  - { name: admins-issue, roles: [admin], methods: [/certrpc.v1.CertificateAuthority/Issue] }
`;
const serialOf = (pem: string) => new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');

describe('certrpc ca serve + ca token + agent (loopback)', () => {
  const tmp = tempDir();
  const caDir = join(tmp.dir, 'ca');
  const host = (name: string) => join(tmp.dir, 'hosts', name);
  let ca: RunningServer;
  let fingerprint: string;
  let rootPem: string;
  const agents: RunningProcess[] = [];
  const base = (name: string, dir = host(name)) => ({ ca: ca.address, fingerprint, dir, name });

  /** A client of the CA service with this TLS material (none: anonymous, as a host before enrollment). */
  function caClient(tls: Partial<ClientTlsMaterial> = {}): CertificateAuthorityClient {
    return createClient(CertificateAuthorityClient, ca.address, {
      tls: { caPem: rootPem, ...tls },
      authority: 'localhost',
      diagnose: false,
    });
  }
  const enrollCall = (c: CertificateAuthorityClient, token: string, csrPem: string) =>
    unary<{ token: string; csrPem: string }, IssuedCertificate>(c, c.enroll, { token, csrPem });

  beforeAll(async () => {
    requireTool('openssl');
    expect((await runCli(['pki', 'init', '--intermediate', '--dir', caDir])).code).toBe(0);
    expect((await runCli(['cert', 'issue', 'ops', '--client', '--dir', caDir])).code).toBe(0);
    writeFileSync(join(tmp.dir, 'ca-policy.yaml'), POLICY);
    ca = await startCa(caDir, '127.0.0.1:0', [
      '--policy',
      join(tmp.dir, 'ca-policy.yaml'),
      '--max-lifetime',
      '1h',
      '--audit-file',
      join(tmp.dir, 'ca-audit.log'),
    ]);
    fingerprint = rootFingerprint(caDir);
    rootPem = readFileSync(join(caDir, 'ca.crt'), 'utf8');
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await ca?.stop();
    tmp.cleanup();
  });

  it('enrolls a host: a key made there (0600), the certificate with its chain, ca.crt (the root) and crl.pem; recorded and audited on the CA host', async () => {
    const token = await caToken(caDir, 'web1', '--server', '--san', 'DNS:localhost,IP:127.0.0.1');
    const r = await agentOnce({ ...base('web1'), token });
    expect(r.stderr).not.toMatch(/"level":50/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^web1: enrolled, serial [0-9a-f]+, expires /);
    const dir = host('web1');
    expect(statSync(join(dir, 'web1.key')).mode & 0o777).toBe(0o600);
    const chain = pemBlocks(readFileSync(join(dir, 'web1.crt'), 'utf8')).map((p) => new X509Certificate(p));
    expect(chain.map((c) => c.subject)).toEqual(['CN=web1', 'CN=certrpc intermediate CA']);
    expect(chain[0].subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(chain[0].keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2'])); // a server that renews over mTLS
    expect(Date.parse(chain[0].validTo) - Date.now()).toBeGreaterThan(50 * 60_000); // 24h asked, the CA's --max-lifetime 1h
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(rootPem);
    expect(readFileSync(join(dir, 'crl.pem'), 'utf8')).toBe(readFileSync(join(caDir, 'crl.pem'), 'utf8'));
    const verify = execFileSync(
      'openssl',
      [
        'verify',
        '-crl_check_all',
        '-CRLfile',
        join(dir, 'crl.pem'),
        '-untrusted',
        join(caDir, 'intermediate', 'ca.crt'),
        '-CAfile',
        join(dir, 'ca.crt'),
        join(dir, 'web1.crt'),
      ],
      { encoding: 'utf8' },
    );
    expect(verify.trim()).toBe(`${join(dir, 'web1.crt')}: OK`);
    // The CA host has the certificate (never the key): cert list shows it, cert revoke finds it.
    expect(existsSync(join(caDir, 'web1.key'))).toBe(false);
    const list = JSON.parse((await runCli(['cert', 'list', '--json', '--dir', caDir])).stdout) as {
      name: string;
      status: string;
      serial: string;
    }[];
    // Valid for an hour: "expiring" by cert list's 30-day threshold, which short-lived certificates always are.
    expect(list.find((row) => row.name === 'web1')).toMatchObject({ status: 'expiring', serial: serialOf(chain[0].toString()) });
    const audit = await eventually(
      () =>
        logLines(readFileSync(join(tmp.dir, 'ca-audit.log'), 'utf8')).find(
          (l) => l.method === 'Enroll' && l.decision === 'issued' && l.identity === 'web1',
        ),
      'the audit line of the enrollment',
    );
    expect(audit).toMatchObject({
      issuedSerial: serialOf(chain[0].toString()),
      sans: ['DNS:localhost', 'IP:127.0.0.1'],
      notice: expect.stringMatching(/capped at this CA's maximum of 1h/),
    });
    expect(readFileSync(join(tmp.dir, 'ca-audit.log'), 'utf8')).not.toContain(token);

    // The same token again, for another host: refused with the reason, nothing written there.
    const again = await agentOnce({ ...base('web1-copy'), token });
    expect(again.code).toBe(64 + status.UNAUTHENTICATED);
    expect(again.stderr).toMatch(/this token was already used at .* \(certificate serial [0-9a-f]+\)/);
    expect(existsSync(host('web1-copy'))).toBe(false);
  });

  it('refuses, saying why, changing nothing: a wrong or malformed fingerprint, an unknown or expired token, an unreachable CA', async () => {
    const token = await caToken(caDir, 'db1', '--client');
    const expired = new TokenStore(new PkiDir(caDir)).create(
      { name: 'old1', profile: 'client', sans: [], lifetimeMs: 60_000, ttlMs: 1000 },
      new Date(Date.now() - 3_600_000),
    );
    const wrongPin = 'AB'.repeat(32);
    const [pin, badPin, unknown, late, unreachable] = await Promise.all([
      agentOnce({ ...base('db1'), fingerprint: wrongPin, token }),
      agentOnce({ ...base('db1'), fingerprint: 'sha256 Fingerprint=12:34', token }),
      agentOnce({ ...base('db1'), token: 'A'.repeat(43) }),
      agentOnce({ ...base('old1'), token: expired.token }),
      freePort().then((port) => agentOnce({ ...base('db1'), ca: `127.0.0.1:${port}`, token })),
    ]);
    expect(pin.code).toBe(1);
    expect(pin.stderr).toMatch(
      /does not offer the root you pinned \(SHA-256 (AB:){31}AB\); it offers "CN=certrpc root CA" [0-9A-F:]{95}\. Nothing was written/,
    );
    expect(pin.stderr).toMatch(/fix: take the fingerprint from the CA host: openssl x509/);
    expect(badPin.code).toBe(2);
    expect(badPin.stderr).toMatch(/bad --ca-fingerprint .*not a SHA-256 fingerprint/);
    expect(unknown.code).toBe(64 + status.UNAUTHENTICATED);
    expect(unknown.stderr).toMatch(/UNAUTHENTICATED \(16\): unknown token: this CA never issued it/);
    expect(late.code).toBe(64 + status.UNAUTHENTICATED);
    expect(late.stderr).toContain(`this token expired at ${expired.record.expiresAt}`);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/the CA could not be reached: could not connect: nothing is listening on 127\.0\.0\.1:\d+/);
    for (const r of [pin, unknown, late, unreachable]) expect(r.stderr).toMatch(/nothing (on disk )?was (changed|written)/i);
    expect(existsSync(host('db1'))).toBe(false);
    expect(existsSync(host('old1'))).toBe(false);
    // The good token was not used up by any of that.
    const ok = await agentOnce({ ...base('db1'), token });
    expect(ok.code).toBe(0);
  });

  it('signs only the names bound to the token: a CSR asking for another CN or SAN is refused, and the token stays usable', async () => {
    const token = await caToken(caDir, 'api1', '--server', '--san', 'DNS:api1.internal');
    const client = caClient();
    try {
      const otherCn = await createKeyAndCsr('admin');
      const e1 = await grpcError(enrollCall(client, token, otherCn.csrPem));
      expect(e1.code).toBe(status.INVALID_ARGUMENT);
      expect(e1.details).toContain(
        'the CSR asks for names this token does not bind (CN=admin); the token binds CN=api1, DNS:api1.internal. The token was not used',
      );
      const extraSan = readFileSync(
        opensslCsr(tmp.dir, 'extra-san', '/CN=api1', ['subjectAltName=DNS:api1.internal,DNS:evil.internal']).csrFile,
        'utf8',
      );
      const e2 = await grpcError(enrollCall(client, token, extraSan));
      expect(e2.code).toBe(status.INVALID_ARGUMENT);
      expect(e2.details).toContain('(DNS:evil.internal)');
      expect(existsSync(join(caDir, 'api1.crt'))).toBe(false);
      const good = await createKeyAndCsr('api1');
      const issued = await enrollCall(client, token, good.csrPem);
      expect(new X509Certificate(issued.certificatePem).subjectAltName).toBe('DNS:api1.internal');
    } finally {
      client.close();
    }
  });

  it('one token, many Enrolls at once, on two CA processes sharing the directory: exactly one certificate', async () => {
    const second = await startCa(caDir);
    const token = await caToken(caDir, 'race1', '--client');
    const clients = [
      caClient(),
      createClient(CertificateAuthorityClient, second.address, { tls: { caPem: rootPem }, authority: 'localhost', diagnose: false }),
    ];
    try {
      const csrs = await Promise.all(Array.from({ length: 8 }, () => createKeyAndCsr('race1')));
      const outcomes = await Promise.all(
        csrs.map((c, i) =>
          enrollCall(clients[i % 2], token, c.csrPem).then(
            (r) => ({ ok: true as const, serial: r.serial }),
            (err: ServiceError) => ({ ok: false as const, code: err.code, details: err.details }),
          ),
        ),
      );
      const won = outcomes.filter((o) => o.ok);
      expect(won).toHaveLength(1);
      for (const lost of outcomes.filter((o) => !o.ok)) {
        expect(lost).toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringMatching(/(already|just) used/) });
      }
      expect(serialOf(readFileSync(join(caDir, 'race1.crt'), 'utf8'))).toBe((won[0] as { serial: string }).serial);
      expect(new PkiDir(caDir).backups().filter((b) => b.name === 'race1')).toHaveLength(0);
    } finally {
      clients.forEach((c) => c.close());
      await second.stop();
    }
  });

  it("a revoked certificate cannot renew: the agent says so (from the CA's CRL) and changes nothing; the CA refuses it too", async () => {
    const token = await caToken(caDir, 'rev1', '--client');
    expect((await agentOnce({ ...base('rev1'), token })).code).toBe(0);
    const revoke = await runCli(['cert', 'revoke', 'rev1', '--reason', 'keyCompromise', '--dir', caDir]);
    expect(revoke.code).toBe(0);
    const before = diskState(host('rev1'));
    const caBefore = readFileSync(join(caDir, 'rev1.crt'), 'utf8');
    const r = await agentOnce(base('rev1'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /this host's certificate \(serial [0-9a-f]+\) was revoked at .* \(keyCompromise\), according to the CA's CRL; it cannot renew itself, nothing was changed/,
    );
    expect(r.stderr).toMatch(/fix: on the CA host: certrpc ca token rev1 --force/);
    expect(diskState(host('rev1'))).toEqual(before);
    // Straight to the CA with the revoked certificate: refused (at the handshake, or by the gate on a
    // connection it still had), and nothing issued.
    const client = caClient({
      certPem: readFileSync(join(host('rev1'), 'rev1.crt'), 'utf8'),
      keyPem: readFileSync(join(host('rev1'), 'rev1.key'), 'utf8'),
    });
    try {
      const csr = await createKeyAndCsr('rev1');
      const err = await grpcError(unary(client, client.renew, { csrPem: csr.csrPem }));
      expect([status.UNAVAILABLE, status.UNAUTHENTICATED]).toContain(err.code);
    } finally {
      client.close();
    }
    expect(readFileSync(join(caDir, 'rev1.crt'), 'utf8')).toBe(caBefore);
  });

  it("Issue is for the policy's admins: ops may, a host may not", async () => {
    const csr = await createKeyAndCsr('whatever');
    const ops = caClient({ certPem: readFileSync(join(caDir, 'ops.crt'), 'utf8'), keyPem: readFileSync(join(caDir, 'ops.key'), 'utf8') });
    const web1 = caClient({
      certPem: readFileSync(join(host('web1'), 'web1.crt'), 'utf8'),
      keyPem: readFileSync(join(host('web1'), 'web1.key'), 'utf8'),
    });
    try {
      const denied = await grpcError(
        unary(web1, web1.issue, { name: 'svc9', profile: 'client', sans: [], lifetime: '', csrPem: csr.csrPem }),
      );
      expect(denied.code).toBe(status.PERMISSION_DENIED);
      expect(denied.details).toMatch(
        /^CN=web1 \(no roles\) may not call \/certrpc.v1.CertificateAuthority\/Issue: .*allowed roles are admin/,
      );
      const issued = await unary(ops, ops.issue, {
        name: 'svc9',
        profile: 'client',
        sans: ['URI:spiffe://corp/svc/9'],
        lifetime: '10m',
        csrPem: csr.csrPem,
      });
      const cert = new X509Certificate(issued.certificatePem);
      expect(cert.subject).toBe('CN=svc9');
      expect(cert.subjectAltName).toBe('URI:spiffe://corp/svc/9');
      expect(Math.round((Date.parse(cert.validTo) - Date.now()) / 60_000)).toBe(10);
      expect(existsSync(join(caDir, 'svc9.crt'))).toBe(true);
      // Never over an identity whose key lives on the CA host, nor over the CA service's own: that would part a certificate from its key.
      const opsCrt = readFileSync(join(caDir, 'ops.crt'), 'utf8');
      for (const name of ['ops', 'ca-server']) {
        const refused = await grpcError(unary(ops, ops.issue, { name, profile: 'client', sans: [], lifetime: '10m', csrPem: csr.csrPem }));
        expect(refused.code).toBe(status.FAILED_PRECONDITION);
      }
      const renewOps = await grpcError(unary(ops, ops.renew, { csrPem: (await createKeyAndCsr('ops')).csrPem }));
      expect(renewOps.details).toContain('"ops" is an identity whose key lives on the CA host');
      expect(readFileSync(join(caDir, 'ops.crt'), 'utf8')).toBe(opsCrt);
    } finally {
      ops.close();
      web1.close();
    }
  });

  it('the daemon renews a 10 s certificate at 2/3 of its life, runs --exec after each change, and keeps crl.pem current', async () => {
    const token = await caToken(caDir, 'short1', '--client', '--lifetime', '10s');
    const marks = join(tmp.dir, 'exec-marks.txt');
    const agent = startAgent({
      ...base('short1'),
      token,
      extra: ['--exec', `echo "$CERTRPC_AGENT_EVENT $CERTRPC_AGENT_CHANGED" >> ${marks}`],
    });
    agents.push(agent);
    const enrolled = await agentEvent(agent, 'enrolled');
    const renewed = await agentEvent(agent, 'renewed');
    expect(renewed.previous).toBe(enrolled.serial);
    // Renewed at 2/3 of the certificate's validity (give or take the 5% jitter), not at its end.
    const first = new X509Certificate(readFileSync(new PkiDir(caDir).backups().find((b) => b.name === 'short1')!.certFile));
    const span = Date.parse(first.validTo) - Date.parse(first.validFrom);
    const at = Date.parse(String(renewed.time)) - Date.parse(first.validFrom);
    expect(at / span).toBeGreaterThan(0.6);
    expect(at / span).toBeLessThan(0.9);
    const lines = await eventually(() => existsSync(marks) && readFileSync(marks, 'utf8').split('\n').filter(Boolean), '--exec to run');
    expect(lines[0]).toBe(
      `enrolled ${join(host('short1'), 'short1.key')} ${join(host('short1'), 'short1.crt')} ${join(host('short1'), 'ca.crt')}`,
    );
    await eventually(
      () => readFileSync(marks, 'utf8').includes(`renewed ${join(host('short1'), 'short1.key')} ${join(host('short1'), 'short1.crt')}`),
      'the hook after the renewal',
    );
    expect(serialOf(readFileSync(join(host('short1'), 'short1.crt'), 'utf8'))).not.toBe(enrolled.serial);
    // A revocation on the CA host reaches this host's crl.pem through the watch stream.
    expect((await runCli(['cert', 'issue', 'victim', '--client', '--dir', caDir])).code).toBe(0);
    const victim = serialOf(readFileSync(join(caDir, 'victim.crt'), 'utf8'));
    expect((await runCli(['cert', 'revoke', 'victim', '--dir', caDir])).code).toBe(0);
    await eventually(
      () => readFileSync(join(host('short1'), 'crl.pem'), 'utf8') === readFileSync(join(caDir, 'crl.pem'), 'utf8'),
      "crl.pem on the host to be the CA's",
      10_000,
    );
    expect(parseCrls(readFileSync(join(host('short1'), 'crl.pem'), 'utf8')).flatMap((c) => c.entries.map((e) => e.serial))).toContain(
      victim,
    );
    await eventually(
      () => readFileSync(marks, 'utf8').includes(`trust-updated ${join(host('short1'), 'crl.pem')}`),
      'the hook after the CRL',
    );
    expect(agent.child.exitCode).toBeNull();
  });
});
