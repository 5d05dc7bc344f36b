// probeTls (the client's diagnosis and `certrpc doctor`) against a real MtlsListener in this
// process: each way a handshake fails stops at its step with its reason.
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer } from 'node:net';
import { clientTls, demoPki, issue, otherCa } from '../../test/helpers/pki';
import { speakingListener } from '../../test/helpers/speaking-listener';
import { tempDir } from '../../test/helpers/temp-dir';
import { PkiDir } from '../store/pki-dir';
import { probeTls } from './probe';

describe('probeTls', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let stranger: PkiDir;
  let server: Awaited<ReturnType<typeof speakingListener>>;
  let address: string;
  beforeAll(async () => {
    pki = await demoPki(`${tmp.dir}/pki`);
    stranger = await otherCa(`${tmp.dir}/other`);
    await issue(pki, 'spiffe-server', { profile: 'server', san: 'DNS:localhost,URI:spiffe://corp/service/kv' });
    server = await speakingListener(pki, 'spiffe-server');
    address = server.address;
  });
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  it('succeeds with a trusted client certificate and names the protocol and ALPN', async () => {
    const result = await probeTls(address, clientTls(pki, 'alice'), { authority: 'localhost', settleMs: 200 });
    expect(result).toMatchObject({ ok: true, alpn: 'h2', protocol: expect.stringMatching(/^TLSv1\.[23]$/) });
    if (result.ok) expect(result.serverCertificate.subject.CN).toBe('spiffe-server');
    expect((await probeTls(address, { ...clientTls(pki, 'alice'), serverId: 'spiffe://corp/service/kv' }, { settleMs: 200 })).ok).toBe(
      true,
    );
  });

  it('nothing listening: the network step', async () => {
    const closed = createTcpServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    const result = await probeTls(`127.0.0.1:${port}`, clientTls(pki, 'alice'));
    expect(result).toMatchObject({
      ok: false,
      step: 'tcp',
      failure: { side: 'network', code: 'ECONNREFUSED', reason: `nothing is listening on 127.0.0.1:${port}` },
    });
  });

  it('the server certificate: not from a CA we trust, not for the name dialed, not the server id expected', async () => {
    const untrusted = await probeTls(
      address,
      { ...clientTls(pki, 'alice'), caPem: readFileSync(stranger.caCertFile, 'utf8') },
      { authority: 'localhost' },
    );
    expect(untrusted).toMatchObject({ ok: false, step: 'server-certificate', failure: { side: 'client' } });
    if (!untrusted.ok)
      expect(untrusted.failure.reason).toBe(
        `the server's certificate is not signed by a CA you trust: it was issued by "CN=certrpc demo CA", you trust "CN=some other CA"`,
      );
    const wrongName = await probeTls(address, clientTls(pki, 'alice'), { authority: 'db.corp' });
    expect(wrongName).toMatchObject({ ok: false, step: 'server-certificate', failure: { code: 'ERR_TLS_CERT_ALTNAME_INVALID' } });
    if (!wrongName.ok)
      expect(wrongName.failure.reason).toBe(
        "the server's certificate is not valid for the name you dialed (db.corp): its names are DNS:localhost, URI:spiffe://corp/service/kv",
      );
    const wrongId = await probeTls(address, { ...clientTls(pki, 'alice'), serverId: 'spiffe://corp/service/other' });
    expect(wrongId).toMatchObject({ ok: false, step: 'server-certificate', failure: { code: 'SERVER_ID_MISMATCH' } });
    const garbageCa = await probeTls(
      address,
      {
        ...clientTls(pki, 'alice'),
        caPem: readFileSync(stranger.caCertFile, 'utf8') + '-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n',
      },
      { authority: 'localhost' },
    );
    expect(garbageCa.ok).toBe(false);
  });

  it('our certificate: none sent, self-signed, from a CA the server does not trust', async () => {
    const none = await probeTls(address, { caPem: clientTls(pki, 'alice').caPem }, { authority: 'localhost', settleMs: 2000 });
    expect(none).toMatchObject({
      ok: false,
      step: 'client-certificate',
      failure: { side: 'server', reason: 'the server requires a client certificate and you sent none' },
    });
    const selfSigned = await probeTls(
      address,
      {
        caPem: clientTls(pki, 'alice').caPem,
        certPem: readFileSync(stranger.caCertFile, 'utf8'),
        keyPem: readFileSync(stranger.caKeyFile, 'utf8'),
      },
      { authority: 'localhost', settleMs: 2000 },
    );
    expect(selfSigned).toMatchObject({ ok: false, step: 'client-certificate', failure: { side: 'server' } });
    if (!selfSigned.ok) expect(selfSigned.failure.reason).toMatch(/self-signed|does not trust the CA/);
    await issue(stranger, 'eve');
    const foreign = await probeTls(
      address,
      {
        caPem: clientTls(pki, 'alice').caPem,
        certPem: readFileSync(stranger.certFile('eve'), 'utf8'),
        keyPem: readFileSync(stranger.keyFile('eve'), 'utf8'),
      },
      { authority: 'localhost', settleMs: 2000 },
    );
    expect(foreign).toMatchObject({ ok: false, step: 'client-certificate', failure: { side: 'server', code: 'unknown ca' } });
  });
});
