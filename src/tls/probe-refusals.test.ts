// probeTls when a real MtlsListener (TLS 1.3) refuses our certificate: it closes without an alert,
// so the probe works out the reason from the certificate it sent. Each kind of certificate gets
// its own words: expired, not yet valid, not for clients, self-signed, and from a CA the server
// does not trust (with the note about a missing intermediate only when the file holds the leaf alone).
import { readFileSync } from 'node:fs';
import { clientTls, demoPki, issue, otherCa } from '../../test/helpers/pki';
import { speakingListener } from '../../test/helpers/speaking-listener';
import { tempDir } from '../../test/helpers/temp-dir';
import { createIntermediateCa, loadSigningCa } from '../pki/ca';
import { issueCertificate } from '../pki/issue';
import { PkiDir } from '../store/pki-dir';
import { probeTls } from './probe';

const DAY_MS = 86_400_000;

describe('probeTls: the reason a silent refusal of our certificate is given', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let stranger: PkiDir;
  let server: Awaited<ReturnType<typeof speakingListener>>;
  const read = (file: string) => readFileSync(file, 'utf8');
  /** Probes with this certificate and key, trusting the demo CA, and returns how it was refused. */
  async function refusal(certPem: string, keyPem: string) {
    const result = await probeTls(
      server.address,
      { caPem: read(pki.caCertFile), certPem, keyPem },
      { authority: 'localhost', settleMs: 2000 },
    );
    expect(result).toMatchObject({ ok: false, step: 'client-certificate', serverCertificate: { subject: { CN: 'localhost' } } });
    return result.ok ? undefined : result.failure;
  }
  const refusalOf = (dir: PkiDir, name: string) => refusal(read(dir.certFile(name)), read(dir.keyFile(name)));

  beforeAll(async () => {
    pki = await demoPki(`${tmp.dir}/pki`);
    stranger = await otherCa(`${tmp.dir}/other`);
    server = await speakingListener(pki, 'server');
  });
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it('a certificate of the trusted CA that has expired, or is not valid yet', async () => {
    const now = Date.now();
    await issue(pki, 'expired', { validity: { notBefore: new Date(now - 2 * DAY_MS), notAfter: new Date(now - DAY_MS) } });
    await issue(pki, 'early', { validity: { notBefore: new Date(now + DAY_MS), notAfter: new Date(now + 2 * DAY_MS) } });
    const expired = {
      side: 'server',
      code: 'certificate expired',
      reason: 'the server refused your certificate: it has expired (or is not yet valid)',
      fix: 'renew it: certrpc cert renew NAME',
    };
    expect(await refusalOf(pki, 'expired')).toEqual(expired);
    expect(await refusalOf(pki, 'early')).toEqual(expired);
  });

  it('a certificate of the trusted CA issued for servers only', async () => {
    await issue(pki, 'a-server', { profile: 'server', san: 'DNS:a-server' });
    expect(await refusalOf(pki, 'a-server')).toEqual({
      side: 'server',
      code: 'unsupported certificate',
      reason: 'the server refused your certificate: it is not for client authentication (wrong extended key usage)',
      fix: 'use a certificate issued for client authentication (profile client)',
    });
  });

  const unknownCaFix = "get a client certificate from the server's client CA (issued on the CA host, or signed from your CSR)";

  it('a self-signed certificate: no CA vouches for it', async () => {
    expect(await refusal(read(stranger.caCertFile), read(stranger.caKeyFile))).toEqual({
      side: 'server',
      code: 'unknown ca',
      reason: 'the server refused your certificate: it is self-signed ("CN=some other CA"), so no CA the server trusts vouches for it',
      fix: unknownCaFix,
    });
  });

  it('a certificate of an untrusted CA, alone in its file: the issuer named, and the note about an intermediate', async () => {
    await issue(stranger, 'eve');
    // Subject and issuer alike, but signed by the CA: not self-signed.
    await issue(stranger, 'mimic', { commonName: 'some other CA' });
    for (const name of ['eve', 'mimic']) {
      expect(await refusalOf(stranger, name)).toEqual({
        side: 'server',
        code: 'unknown ca',
        reason:
          'the server refused your certificate (issued by "CN=some other CA"): it does not trust that CA, or the certificate is revoked',
        fix: unknownCaFix,
        note: 'if "CN=some other CA" is an intermediate CA, your certificate file must hold your certificate, then that intermediate (it holds your certificate alone)',
      });
    }
  });

  it('a certificate of an untrusted intermediate, with the intermediate in its file: no note', async () => {
    const intermediate = await createIntermediateCa(await stranger.loadCa(), { commonName: 'other intermediate' });
    const signing = await loadSigningCa(intermediate.certPem, intermediate.keyPem, {}, intermediate.certPem);
    const carol = await issueCertificate(signing, { profile: 'client', commonName: 'carol' });
    expect(await refusal(carol.certPem, carol.keyPem)).toEqual({
      side: 'server',
      code: 'unknown ca',
      reason:
        'the server refused your certificate (issued by "CN=other intermediate"): it does not trust that CA, or the certificate is revoked',
      fix: unknownCaFix,
    });
  });

  it('control: a certificate of the trusted CA is admitted', async () => {
    expect(await probeTls(server.address, clientTls(pki, 'alice'), { authority: 'localhost', settleMs: 2000 })).toMatchObject({ ok: true });
  });
});
