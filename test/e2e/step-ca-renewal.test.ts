// certrpc renewing with an existing CA: a real smallstep step-ca 0.19 (scripts/step-ca.sh). src/stepca
// renews (same key) and rekeys (new key) over mutual TLS, says why step-ca refused (revoked: no CRL
// in 0.19, the renewal is refused), and refuses what an impostor holding a genuine certificate for
// the CA's address sends back (other names, a replayed certificate); StepCaBackend, the agent's view.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { rekey, renew, revoke, sign } from '../../src/stepca/client';
import { StepCaBackend } from '../../src/stepca/step-ca-backend';
import { callStepCa } from '../../src/stepca/step-ca-https';
import { eventually, eventuallyAsync } from '../helpers/eventually';
import { describeWhenSupported } from '../helpers/requirements';
import { findStepCa, RunningStepCa, startStepCa } from '../helpers/step-ca';
import { enrolledAt, impostor, keyAndCsr as keyAndCsrIn, refusal } from '../helpers/step-ca-peers';
import { tempDir } from '../helpers/temp-dir';
import { requireTool, run } from '../helpers/tools';

const stepCa = findStepCa();

describeWhenSupported(stepCa.missing, 'step-ca: certrpc renews and rekeys with a real step-ca 0.19', () => {
  let tmp: { dir: string; cleanup: () => void };
  let ca: RunningStepCa;

  beforeAll(async () => {
    tmp = tempDir('certrpc-step-ca-renewal-');
    ca = await startStepCa(stepCa.binary!, join(tmp.dir, 'ca'));
  });
  afterAll(async () => {
    await ca?.stop();
    tmp?.cleanup();
  });

  const keyAndCsr = (cn: string, sans: string[]) => keyAndCsrIn(tmp.dir, cn, sans);
  const enrolled = (cn: string, names: string[], csrSans: string[], options: { lifetime?: string } = {}) =>
    enrolledAt(ca, tmp.dir, cn, names, csrSans, options);

  describe('renew and rekey over mutual TLS', () => {
    it('renews: same names and key, new serial', async () => {
      const first = await enrolled('svc-r', ['svc-r.test'], ['DNS:svc-r.test']);
      const renewed = await renew(ca.url, ca.rootPem, first.chainPem, first.keyPem);
      expect(renewed.leaf.serialNumber).not.toBe(first.leaf.serialNumber);
      expect(renewed.leaf.subject).toBe(first.leaf.subject);
      expect(renewed.leaf.subjectAltName).toBe('DNS:svc-r.test');
      expect(
        renewed.leaf.publicKey.export({ format: 'der', type: 'spki' }).equals(first.leaf.publicKey.export({ format: 'der', type: 'spki' })),
      ).toBe(true);
      // The renewed certificate renews in turn (the chain it came with is a valid identity).
      const again = await renew(ca.url, ca.rootPem, renewed.chainPem, first.keyPem);
      expect(again.leaf.serialNumber).not.toBe(renewed.leaf.serialNumber);
    });

    it('rekeys: a new key from the CSR, same names', async () => {
      const first = await enrolled('svc-k', ['svc-k.test'], ['DNS:svc-k.test']);
      const next = await keyAndCsr('svc-k', ['DNS:svc-k.test']);
      const rekeyed = await rekey(ca.url, ca.rootPem, first.chainPem, first.keyPem, next.csrPem);
      expect(rekeyed.leaf.subjectAltName).toBe('DNS:svc-k.test');
      expect(rekeyed.leaf.checkPrivateKey(createPrivateKey(next.keyPem))).toBe(true);
    });

    it('a certificate revoked by token can no longer renew: "renewal-refused", saying revoked', async () => {
      const first = await enrolled('svc-x', ['svc-x.test'], ['DNS:svc-x.test']);
      await revoke(ca.url, ca.rootPem, { serial: first.leaf.serialNumber, token: ca.revokeToken(first.leaf.serialNumber) });
      const err = await refusal(renew(ca.url, ca.rootPem, first.chainPem, first.keyPem));
      expect(err.reason).toBe('renewal-refused');
      expect(err.status).toBe(401);
      expect(err.message).toMatch(
        new RegExp(`^revoked: step-ca refused to renew "CN=svc-x" \\(serial ${first.leaf.serialNumber}, .*it has been revoked`),
      );
      expect(err.identityLost).toBe(true);
      expect(err.transient).toBe(false);
      expect(err.fix).toMatch(/stays in use until it expires \(\d{4}-.*\); enroll this host again/);
      // step-ca's own reason is in its log only (written after its answer, hence the wait).
      await eventually(
        () => ca.logs().includes('authority.authorizeRenew: certificate has been revoked'),
        'step-ca to log why it refused the renewal',
      );
    });

    it('a certificate that revoked itself over mutual TLS can neither renew nor rekey', async () => {
      const first = await enrolled('svc-y', ['svc-y.test'], ['DNS:svc-y.test']);
      await revoke(ca.url, ca.rootPem, { certChainPem: first.chainPem, keyPem: first.keyPem });
      expect((await refusal(renew(ca.url, ca.rootPem, first.chainPem, first.keyPem))).reason).toBe('renewal-refused');
      const next = await keyAndCsr('svc-y', ['DNS:svc-y.test']);
      expect((await refusal(rekey(ca.url, ca.rootPem, first.chainPem, first.keyPem, next.csrPem))).reason).toBe('renewal-refused');
    });

    it('refuses a "renewal" that comes back with other names, even for our key and under the root', async () => {
      const mine = await enrolled('svc-n', ['svc-n.test'], ['DNS:svc-n.test']);
      // The same key, other names: a certificate the real CA issued (a token allowed it), replayed as a renewal
      // by a server that holds a genuine certificate for the CA's address.
      const csr = await run(requireTool('openssl'), ['req', '-new', '-key', mine.keyFile, '-subj', '/CN=svc-evil']);
      const evil = await sign(ca.url, ca.rootPem, csr.stdout, ca.token('svc-evil', ['evil.test']));
      const front = await enrolled('127.0.0.1', ['127.0.0.1'], ['IP:127.0.0.1']);
      const fake = await impostor(
        () => ({ status: 201, json: { crt: evil.certPem, ca: ca.intermediatePem, certChain: [evil.certPem, ca.intermediatePem] } }),
        { certPem: front.chainPem, keyPem: front.keyPem },
      );
      try {
        const err = await refusal(renew(fake.url, ca.rootPem, mine.chainPem, mine.keyPem));
        expect(err.reason).toBe('bad-response');
        expect(err.message).toMatch(
          /renewal of "CN=svc-n" came back as "CN=svc-evil" with other names \(DNS:evil\.test\); nothing was written/,
        );
      } finally {
        await fake.close();
      }
    });

    it('refuses a "renewal" that is the certificate it renews, or an older one, replayed (genuine, our key, our names)', async () => {
      const older = await enrolled('svc-o', ['svc-o.test'], ['DNS:svc-o.test']);
      // Same key, same names, a later notAfter (whole seconds: renewed until the second has turned).
      const mine = await eventuallyAsync(async () => {
        const next = await renew(ca.url, ca.rootPem, older.chainPem, older.keyPem);
        return new Date(next.leaf.validTo) > new Date(older.leaf.validTo) && next;
      }, 'a renewal in a later second');
      const front = await enrolled('127.0.0.1', ['127.0.0.1'], ['IP:127.0.0.1']);
      for (const replayed of [mine, older]) {
        const fake = await impostor(
          () => ({
            status: 201,
            json: { crt: replayed.certPem, ca: ca.intermediatePem, certChain: [replayed.certPem, ca.intermediatePem] },
          }),
          { certPem: front.chainPem, keyPem: front.keyPem },
        );
        try {
          const err = await refusal(renew(fake.url, ca.rootPem, mine.chainPem, older.keyPem));
          expect(err.reason).toBe('bad-response');
          expect(err.message).toMatch(
            new RegExp(
              `renewal of "CN=svc-o" \\(serial ${mine.leaf.serialNumber}, until .*\\) came back as serial ${replayed.leaf.serialNumber}, until .*: the same certificate or an older one, not a renewal; nothing was written`,
            ),
          );
        } finally {
          await fake.close();
        }
      }
    });

    it('an expired certificate is not sent for renewal (step-ca refuses it in the handshake)', async () => {
      // notAfter 1 s from now (step-ca backdates notBefore by a minute: 61 s is within the 10 s minimum).
      const short = await enrolled('svc-z', ['svc-z.test'], ['DNS:svc-z.test'], { lifetime: '1s' });
      const expiry = new Date(short.leaf.validTo).getTime();
      await new Promise((r) => setTimeout(r, Math.max(0, expiry - Date.now() + 1100))); // waiting on the clock itself
      const err = await refusal(renew(ca.url, ca.rootPem, short.chainPem, short.keyPem));
      expect(err.reason).toBe('certificate-expired');
      expect(err.message).toMatch(/expired at .*step-ca renews only a certificate that is still valid/);
      // What step-ca itself does with it: the TLS handshake fails (Go verifies the client certificate).
      const direct = await refusal(
        callStepCa({
          url: ca.url,
          method: 'POST',
          path: '/1.0/renew',
          body: {},
          trust: { rootPem: ca.rootPem },
          identity: { certChainPem: short.chainPem, keyPem: short.keyPem },
        }),
      );
      expect(direct.message).toMatch(/refused our certificate during the TLS handshake/);
    });
  });

  describe("StepCaBackend: the agent's operations", () => {
    it('pins the root, enrolls, renews (same key) and rekeys (new key), and reports roots without a CRL', async () => {
      const backend = new StepCaBackend(ca.url);
      try {
        const trustPem = await backend.pinnedRoot(ca.fingerprint.toUpperCase().match(/../g)!.join(':'));
        const first = await keyAndCsr('svc-agent', ['DNS:svc-agent.test']);
        const enrolled = await backend.enroll({ token: ca.token('svc-agent', ['svc-agent.test']), csrPem: first.csrPem, trustPem });
        expect(enrolled.certPem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
        const renewed = await backend.renew({
          current: { certPem: enrolled.certPem, keyPem: first.keyPem },
          csrPem: first.csrPem,
          trustPem,
        });
        expect(new X509Certificate(renewed.certPem).checkPrivateKey(createPrivateKey(first.keyPem))).toBe(true);
        const second = await keyAndCsr('svc-agent', ['DNS:svc-agent.test']);
        const rekeyed = await backend.renew({
          current: { certPem: renewed.certPem, keyPem: first.keyPem },
          csrPem: second.csrPem,
          trustPem,
        });
        expect(new X509Certificate(rekeyed.certPem).checkPrivateKey(createPrivateKey(second.keyPem))).toBe(true);
        const material = await backend.trustMaterial({ trustPem });
        expect(material.crlPem).toBe('');
        expect(new X509Certificate(material.caBundlePem).raw.equals(new X509Certificate(ca.rootPem).raw)).toBe(true);
        const watched = await new Promise<string>((resolve, reject) => {
          const watch = backend.watchTrustMaterial(
            { trustPem },
            (m) => {
              watch.cancel();
              resolve(m.caBundlePem);
            },
            reject,
          );
        });
        expect(watched).toBe(material.caBundlePem);
      } finally {
        backend.close();
      }
    });
  });
});
