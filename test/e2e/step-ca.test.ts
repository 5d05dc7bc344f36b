// certrpc with an existing CA: a real smallstep step-ca 0.19 (built from Debian's packages by
// scripts/step-ca.sh) is the peer. src/stepca pins its root, enrolls with a provisioner's one-time
// token and says clearly why step-ca refused; certrpc's server and client then run on step-ca's
// certificates, each sending its intermediate and trusting the root only. Renewal and rekeying:
// step-ca-renewal.test.ts.
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCa } from '../../src/pki/ca';
import { fetchRoot, fetchRoots, sign } from '../../src/stepca/client';
import { ott, signAudience } from '../../src/stepca/one-time-token';
import { runCli, startCli } from '../helpers/cli';
import { eventually } from '../helpers/eventually';
import { describeWhenSupported } from '../helpers/requirements';
import { findStepCa, RunningStepCa, startStepCa } from '../helpers/step-ca';
import { enrolledAt, impostor, keyAndCsr as keyAndCsrIn, refusal } from '../helpers/step-ca-peers';
import { tempDir } from '../helpers/temp-dir';
import { freePort, requireTool, run } from '../helpers/tools';

const stepCa = findStepCa();

describeWhenSupported(stepCa.missing, 'step-ca: certrpc enrolls, renews and serves with a real step-ca 0.19', () => {
  let tmp: { dir: string; cleanup: () => void };
  let ca: RunningStepCa;

  beforeAll(async () => {
    tmp = tempDir('certrpc-step-ca-');
    ca = await startStepCa(stepCa.binary!, join(tmp.dir, 'ca'));
  });
  afterAll(async () => {
    await ca?.stop();
    tmp?.cleanup();
  });

  const keyAndCsr = (cn: string, sans: string[]) => keyAndCsrIn(tmp.dir, cn, sans);
  const enrolled = (cn: string, names: string[], csrSans: string[], options: { lifetime?: string } = {}) =>
    enrolledAt(ca, tmp.dir, cn, names, csrSans, options);

  const rootAnswer = (pem: string) => (path: string) =>
    path.startsWith('/root/') ? { status: 200, json: { ca: pem } } : { status: 404, json: { status: 404, message: 'not found' } };

  describe('fetchRoot: trust from a pinned fingerprint', () => {
    it('returns the root whose SHA-256 is the pin, however the fingerprint is written', async () => {
      const colons = ca.fingerprint.toUpperCase().match(/../g)!.join(':');
      for (const pin of [ca.fingerprint, colons, ` ${ca.fingerprint.toUpperCase()} `]) {
        const rootPem = await fetchRoot(ca.url, pin);
        expect(new X509Certificate(rootPem).raw.equals(new X509Certificate(ca.rootPem).raw)).toBe(true);
      }
    });

    it('refuses a fingerprint the CA has no root for, saying so (the intermediate pinned by mistake, too)', async () => {
      const intermediate = new X509Certificate(ca.intermediatePem).fingerprint256;
      const err = await refusal(fetchRoot(ca.url, intermediate));
      expect(err.reason).toBe('untrusted-ca');
      expect(err.status).toBe(404);
      expect(err.message).toContain(`has no root with SHA-256 ${intermediate.replace(/:/g, '').toLowerCase()}`);
      expect(err.fix).toMatch(/X\.509 Root Fingerprint/);
    });

    it('refuses what is not a fingerprint before connecting', async () => {
      const err = await refusal(fetchRoot(ca.url, 'abc123'));
      expect(err.reason).toBe('bad-input');
      expect(err.option).toBe('caFingerprint');
    });

    it('says the CA is unreachable when nothing listens there', async () => {
      const err = await refusal(fetchRoot(`https://127.0.0.1:${await freePort()}`, ca.fingerprint));
      expect(err.reason).toBe('unreachable');
      expect(err.message).toMatch(/cannot be reached .*ECONNREFUSED/);
    });

    describe("against impostors (an HTTPS server at the CA's address that is not the pinned CA)", () => {
      it('refuses a root whose SHA-256 is not the pin', async () => {
        const other = (await createCa({ commonName: 'another root' })).certPem;
        const fake = await impostor(rootAnswer(other));
        try {
          const err = await refusal(fetchRoot(fake.url, ca.fingerprint));
          expect(err.reason).toBe('untrusted-ca');
          expect(err.message).toMatch(
            new RegExp(
              `answered with a root whose SHA-256 is [0-9a-f]{64}, not the pinned ${ca.fingerprint}: not trusted, nothing was written`,
            ),
          );
        } finally {
          await fake.close();
        }
      });

      it('refuses a server that relays the genuine root but holds no certificate under it', async () => {
        const fake = await impostor(rootAnswer(ca.rootPem)); // the root is public: anyone can hand it out
        try {
          const err = await refusal(fetchRoot(fake.url, ca.fingerprint));
          expect(err.reason).toBe('untrusted-ca');
          expect(err.message).toMatch(/is not the step-ca whose root you pinned: its TLS certificate does not verify/);
        } finally {
          await fake.close();
        }
      });

      it('refuses a pinned certificate that is not a self-signed root (the intermediate)', async () => {
        const fake = await impostor(rootAnswer(ca.intermediatePem));
        try {
          const err = await refusal(fetchRoot(fake.url, new X509Certificate(ca.intermediatePem).fingerprint256));
          expect(err.message).toMatch(
            /the pinned certificate "O=certrpc tests, CN=step-ca test intermediate" is not a self-signed root CA/,
          );
        } finally {
          await fake.close();
        }
      });
    });

    it('refuses a CA whose TLS certificate is not under the root it is trusted by', async () => {
      const stranger = await createCa({ commonName: 'another root' });
      const err = await refusal(fetchRoots(ca.url, stranger.certPem));
      expect(err.reason).toBe('untrusted-ca');
      expect(err.message).toMatch(/is not the step-ca whose root you pinned: its TLS certificate does not verify/);
    });
  });

  describe('sign: enrollment with a one-time token', () => {
    it("issues a certificate with exactly the token's names, sent with its intermediate, verified by openssl up to the root", async () => {
      const issued = await enrolled('svc-a', ['svc-a.test', '127.0.0.1'], ['DNS:svc-a.test', 'IP:127.0.0.1']);
      expect(issued.leaf.subject).toBe('CN=svc-a');
      expect(issued.leaf.subjectAltName).toBe('DNS:svc-a.test, IP Address:127.0.0.1');
      const chain = issued.chainPem.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
      expect(chain).toHaveLength(2);
      expect(
        new X509Certificate(issued.chainPem.slice(issued.chainPem.indexOf('-----BEGIN', 10))).raw.equals(
          new X509Certificate(ca.intermediatePem).raw,
        ),
      ).toBe(true);
      const leafFile = join(tmp.dir, 'svc-a.crt');
      writeFileSync(leafFile, issued.certPem);
      const verified = await run(requireTool('openssl'), ['verify', '-untrusted', ca.intermediateFile, '-CAfile', ca.rootFile, leafFile]);
      expect(verified).toMatchObject({ code: 0, stdout: `${leafFile}: OK\n` });
      // step-ca's default template: serverAuth AND clientAuth in one certificate.
      expect(issued.leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    });

    it('refuses a token used a second time, and says a token works once', async () => {
      const req = await keyAndCsr('svc-b', ['DNS:svc-b.test']);
      const token = ca.token('svc-b', ['svc-b.test']);
      await sign(ca.url, ca.rootPem, req.csrPem, token);
      const err = await refusal(sign(ca.url, ca.rootPem, req.csrPem, token));
      expect(err.reason).toBe('token-refused');
      expect(err.status).toBe(401);
      expect(err.message).toMatch(/HTTP 401: The request lacked necessary authorization.*a one-time token works once/);
      expect(err.fix).toMatch(/new token/);
    });

    it('refuses an expired token, saying when it expired', async () => {
      const req = await keyAndCsr('svc-c', ['DNS:svc-c.test']);
      const token = ca.token('svc-c', ['svc-c.test'], { ttl: '1m', now: new Date(Date.now() - 10 * 60_000) });
      const err = await refusal(sign(ca.url, ca.rootPem, req.csrPem, token));
      expect(err.reason).toBe('token-expired');
      expect(err.message).toMatch(/HTTP 401.*the token expired at \d{4}-/);
    });

    it('refuses a token signed by a provisioner this CA does not have', async () => {
      const req = await keyAndCsr('svc-d', ['DNS:svc-d.test']);
      const stranger = { name: 'certrpc-tests', key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey };
      const err = await refusal(
        sign(ca.url, ca.rootPem, req.csrPem, ott(stranger, { sub: 'svc-d', sans: ['svc-d.test'], aud: signAudience(ca.url) })),
      );
      expect(err.reason).toBe('token-refused');
      expect(err.message).toMatch(/or its provisioner \(certrpc-tests\) is not one of this CA's/);
    });

    it("refuses a CSR naming something outside the token's sans (403, with step-ca's reason)", async () => {
      const req = await keyAndCsr('svc-e', ['DNS:svc-e.test', 'DNS:admin.test']);
      const err = await refusal(sign(ca.url, ca.rootPem, req.csrPem, ca.token('svc-e', ['svc-e.test'])));
      expect(err.reason).toBe('request-refused');
      expect(err.status).toBe(403);
      expect(err.message).toMatch(
        /HTTP 403: .*certificate request does not contain the valid DNS names - got \[svc-e\.test admin\.test\], want \[svc-e\.test\]/,
      );
    });

    it('refuses what is not a token before sending anything', async () => {
      const req = await keyAndCsr('svc-f', []);
      const err = await refusal(sign(ca.url, ca.rootPem, req.csrPem, 'not-a-token'));
      expect(err).toMatchObject({ reason: 'bad-input', option: 'token' });
    });
  });

  describe('certrpc serve and certrpc call on step-ca certificates', () => {
    let dir: string;
    let server: Awaited<ReturnType<typeof startCli>>;
    let client: { certFile: string; keyFile: string; leafOnlyFile: string };

    beforeAll(async () => {
      dir = join(tmp.dir, 'serve');
      mkdirSync(dir);
      const srv = await enrolled('server.test', ['server.test', '127.0.0.1'], ['DNS:server.test', 'IP:127.0.0.1']);
      writeFileSync(join(dir, 'server.crt'), srv.chainPem);
      writeFileSync(join(dir, 'server.key'), srv.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, 'ca.crt'), ca.rootPem); // the root only: intermediates come with each peer's chain
      const cli = await enrolled('alice', ['alice'], []);
      client = { certFile: join(tmp.dir, 'alice.crt'), keyFile: cli.keyFile, leafOnlyFile: join(tmp.dir, 'alice-leaf-only.crt') };
      writeFileSync(client.certFile, cli.chainPem);
      writeFileSync(client.leafOnlyFile, cli.certPem);
      server = await startCli(['serve', '--dir', dir, '--port', '0']);
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('the server presents its certificate and its intermediate; openssl verifies them with the root alone', async () => {
      const result = await run(
        requireTool('openssl'),
        [
          's_client',
          '-connect',
          server.address,
          '-CAfile',
          ca.rootFile,
          '-showcerts',
          '-verify_return_error',
          '-cert',
          client.certFile,
          '-key',
          client.keyFile,
        ],
        { timeoutMs: 10_000 },
      );
      const sent = result.stdout.match(/^ *\d+ s:.*$/gm) ?? [];
      expect(sent.map((l) => l.trim())).toEqual([
        expect.stringMatching(/^0 s:CN ?= ?server\.test$/),
        expect.stringMatching(/^1 s:O ?= ?certrpc tests, CN ?= ?step-ca test intermediate$/),
      ]);
      expect(result.stdout).toMatch(/Verify return code: 0 \(ok\)/);
    });

    it('a certrpc client sends its chain; the server verifies it up to the root and knows who called', async () => {
      const r = await runCli([
        'call',
        server.address,
        'certrpc.v1.Identity/WhoAmI',
        '--cert',
        client.certFile,
        '--key',
        client.keyFile,
        '--cacert',
        ca.rootFile,
        '--authority',
        'server.test',
      ]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const who = JSON.parse(r.stdout) as { commonName: string; issuer: string };
      expect(who.commonName).toBe('alice');
      expect(who.issuer).toMatch(/step-ca test intermediate/);
    });

    it('a client whose file lacks the intermediate is refused: the server trusts the root only', async () => {
      const r = await runCli([
        'call',
        server.address,
        'certrpc.v1.Identity/WhoAmI',
        '--cert',
        client.leafOnlyFile,
        '--key',
        client.keyFile,
        '--cacert',
        ca.rootFile,
        '--authority',
        'server.test',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/refused|certificate/i);
      // Both sides say what is likely missing: the intermediate, not a whole CA.
      expect(r.stderr).toMatch(
        /if "O=certrpc tests, CN=step-ca test intermediate" is an intermediate CA, your certificate file must hold your certificate, then that intermediate \(it holds your certificate alone\)/,
      );
      await eventually(
        () =>
          /"code":"UNABLE_TO_VERIFY_LEAF_SIGNATURE".*"subject":"CN=alice","issuer":"O=certrpc tests, CN=step-ca test intermediate"/.test(
            server.logs(),
          ),
        'the server to log the refused handshake',
      );
      expect(server.logs()).toMatch(
        /"reason":"the client certificate was issued by a CA this server does not trust \(or by an intermediate CA the client did not send: its certificate file must hold the certificate, then its intermediates\)"/,
      );
    });

    it('a server whose file lacks the intermediate is refused by the client, which says the intermediate is likely missing', async () => {
      const leafOnly = join(tmp.dir, 'serve-leaf-only');
      mkdirSync(leafOnly);
      writeFileSync(join(leafOnly, 'server.crt'), new X509Certificate(readFileSync(join(dir, 'server.crt'))).toString());
      writeFileSync(join(leafOnly, 'server.key'), readFileSync(join(dir, 'server.key')), { mode: 0o600 });
      writeFileSync(join(leafOnly, 'ca.crt'), ca.rootPem);
      const bare = await startCli(['serve', '--dir', leafOnly, '--port', '0']);
      try {
        const r = await runCli([
          'call',
          bare.address,
          'certrpc.v1.Identity/WhoAmI',
          '--cert',
          client.certFile,
          '--key',
          client.keyFile,
          '--cacert',
          ca.rootFile,
          '--authority',
          'server.test',
        ]);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(
          /the server's certificate is not signed by a CA you trust: it was issued by "O=certrpc tests, CN=step-ca test intermediate", you trust "O=certrpc tests, CN=step-ca test root"/,
        );
        expect(r.stderr).toMatch(
          /if that issuer is an intermediate CA under one you trust, the server did not send it: its certificate file must hold its certificate, then the intermediate/,
        );
      } finally {
        await bare.stop();
      }
    });
  });
});
