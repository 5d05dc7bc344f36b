// The mTLS listener in this process, with real sockets on 127.0.0.1:0 and real certificates: who is
// admitted, who is refused and with which code, and what the handshake guard drops. (The CLI
// suites prove the same through `certrpc serve`: test/e2e/handshake-*.test.ts.)
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as tcpConnect, Socket } from 'node:net';
import { connect, TLSSocket } from 'node:tls';
import { clientTls, demoPki, issue, otherCa } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { issuingCaOf } from '../gate/issuing-ca';
import { ListenerLimits, ListenerProtocol, MtlsListener, TlsMaterial } from './mtls-listener';
import { RefusedHandshake } from './refusal-reasons';
import { PkiDir } from '../store/pki-dir';
import { createCrl } from '../pki/crl';
import { normalizeSerial } from '../pki/serial';

describe('MtlsListener', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let material: TlsMaterial;
  const open: { close: () => Promise<void> }[] = [];
  const sockets: (Socket | TLSSocket)[] = [];
  /** Server-side sockets the listeners admitted: closed after each test so close() can finish. */
  const serverSide: TLSSocket[] = [];

  beforeAll(async () => {
    pki = await demoPki(`${tmp.dir}/pki`);
    await issue(pki, 'web', { profile: 'server', san: 'DNS:web' });
    const id = pki.loadIdentity('server');
    material = { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem };
  });
  afterEach(async () => {
    for (const s of [...sockets.splice(0), ...serverSide.splice(0)]) s.destroy();
    for (const l of open.splice(0)) await l.close();
  });
  afterAll(() => tmp.cleanup());

  async function listener(limits: ListenerLimits = {}, protocol?: ListenerProtocol, m: TlsMaterial = material) {
    const l = new MtlsListener(m, limits, protocol);
    open.push(l);
    const refused: RefusedHandshake[] = [];
    const admitted: TLSSocket[] = [];
    l.on('refused', (r) => refused.push(r));
    l.on('connection', (s) => {
      admitted.push(s);
      serverSide.push(s);
    });
    const { port } = await l.listen('127.0.0.1', 0);
    return { l, port, refused, admitted };
  }

  /** A TLS client; resolves when the connection is over (the server may refuse it after the client's handshake). */
  function dial(port: number, options: { cert?: string; key?: string; alpn?: string[] } = {}): Promise<{ data: string }> {
    return new Promise((resolve) => {
      const tls = clientTls(pki, 'alice');
      const alpn = options.alpn ?? ['h2'];
      const s = connect({
        host: '127.0.0.1',
        port,
        ca: tls.caPem,
        servername: 'localhost',
        ...(alpn.length > 0 ? { ALPNProtocols: alpn } : {}),
        cert: options.cert,
        key: options.key,
      });
      sockets.push(s);
      let data = '';
      s.on('data', (d) => {
        data += d;
        if (data.endsWith('\n')) resolve({ data }); // a whole farewell line
      });
      s.on('error', () => undefined);
      s.on('secureConnect', () => s.write('x'));
      s.on('end', () => resolve({ data }));
      s.on('close', () => resolve({ data }));
    });
  }

  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setTimeout(r, 10));
  };

  it('admits a client of a trusted CA: the socket it emits answers with the verified certificate and its issuing CA', async () => {
    const { port, admitted, refused } = await listener();
    const tls = clientTls(pki, 'alice');
    void dial(port, { cert: tls.certPem, key: tls.keyPem });
    await until(() => admitted.length === 1);
    const peer = admitted[0].getPeerCertificate();
    expect(peer.subject.CN).toBe('alice');
    expect(admitted[0].getPeerCertificate()).toBe(peer);
    expect(issuingCaOf(peer)).toEqual({
      subject: 'CN=certrpc demo CA',
      fingerprint: new X509Certificate(readFileSync(pki.caCertFile)).fingerprint256,
    });
    expect(refused).toEqual([]);
  });

  it('an admitted connection leaves the guard at once: its slot is free for the next handshake and no deadline ends it later', async () => {
    // The guard finds the raw socket through the TLS socket Node built on it (`_parent`): were that
    // link gone, the guard would drop every admitted connection at its handshake deadline.
    const { port, admitted, refused } = await listener({ helloTimeoutMs: 100, handshakeTimeoutMs: 200, maxHandshakesPerAddress: 1 });
    const tls = clientTls(pki, 'alice');
    void dial(port, { cert: tls.certPem, key: tls.keyPem });
    await until(() => admitted.length === 1);
    void dial(port, { cert: tls.certPem, key: tls.keyPem });
    await until(() => admitted.length === 2 || refused.length > 0);
    await new Promise((r) => setTimeout(r, 400));
    expect(refused).toEqual([]);
    expect(admitted.map((s) => s.destroyed)).toEqual([false, false]);
  });

  it('refuses, with the reason code and what was presented: no certificate, an untrusted CA, a CA certificate as identity, no h2', async () => {
    const { port, refused, admitted } = await listener();
    await dial(port);
    const stranger = await otherCa(`${tmp.dir}/other`);
    await dial(port, { cert: readFileSync(stranger.caCertFile, 'utf8'), key: readFileSync(stranger.caKeyFile, 'utf8') });
    const demoCa = { cert: readFileSync(pki.caCertFile, 'utf8'), key: readFileSync(pki.caKeyFile, 'utf8') };
    await dial(port, demoCa);
    const alice = clientTls(pki, 'alice');
    await dial(port, { cert: alice.certPem, key: alice.keyPem, alpn: [] });
    await until(() => refused.length === 4);
    expect(admitted).toEqual([]);
    const caSerial = normalizeSerial(new X509Certificate(demoCa.cert).serialNumber);
    expect(refused.map((r) => ({ ...r, peer: r.peer.replace(/:\d+$/, ':PORT') }))).toEqual([
      {
        peer: '127.0.0.1:PORT',
        code: 'NO_CERTIFICATE',
        reason: expect.any(String),
        subject: undefined,
        issuer: undefined,
        serial: undefined,
      },
      {
        peer: '127.0.0.1:PORT',
        code: expect.stringMatching(/^(DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/),
        reason: expect.any(String),
        subject: 'CN=some other CA',
        issuer: 'CN=some other CA',
        serial: expect.any(String),
      },
      {
        peer: '127.0.0.1:PORT',
        code: 'CA_CERT_AS_IDENTITY',
        reason: expect.any(String),
        subject: 'CN=certrpc demo CA',
        issuer: 'CN=certrpc demo CA',
        serial: caSerial,
      },
      {
        peer: '127.0.0.1:PORT',
        code: 'NO_ALPN_H2',
        reason: expect.any(String),
        subject: 'CN=alice',
        issuer: 'CN=certrpc demo CA',
        serial: normalizeSerial(new X509Certificate(alice.certPem!).serialNumber),
      },
    ]);
    for (const r of refused) expect(r.reason.length).toBeGreaterThan(10);
  });

  it('a CRL given by update() refuses the revoked certificate from the next handshake on; trust follows update() too', async () => {
    const { l, port, refused, admitted } = await listener();
    const alice = clientTls(pki, 'alice');
    const crlPem = await createCrl(
      await pki.loadCa(),
      [{ serial: normalizeSerial(new X509Certificate(alice.certPem!).serialNumber), revokedAt: new Date(), reason: 'keyCompromise' }],
      {
        crlNumber: 1,
        nextUpdate: new Date(Date.now() + 86_400_000),
      },
    );
    l.update({ ...material, crlPem });
    await dial(port, { cert: alice.certPem, key: alice.keyPem });
    await until(() => refused.length === 1);
    expect(refused[0]).toMatchObject({ code: 'CERT_REVOKED', subject: 'CN=alice' });
    const bob = clientTls(pki, 'bob');
    void dial(port, { cert: bob.certPem, key: bob.keyPem });
    await until(() => admitted.length === 1);
    const stranger = await otherCa(`${tmp.dir}/other2`);
    l.update({ ...material, clientCaPem: readFileSync(stranger.caCertFile, 'utf8') });
    expect(l.trustedClientCas.map((c) => c.subject)).toEqual(['CN=some other CA']);
    expect(await l.connectionCount()).toBeGreaterThanOrEqual(1);
  });

  it('a protocol with farewell words answers a refused peer before closing (the CONNECT proxy)', async () => {
    const { port, refused } = await listener({}, { alpn: ['http/1.1'], farewell: (r) => `HTTP/1.1 403 Forbidden\r\n\r\n${r.code}\n` });
    const result = await dial(port, { alpn: ['http/1.1'] });
    expect(refused[0].code).toBe('NO_CERTIFICATE');
    expect(result.data).toBe('HTTP/1.1 403 Forbidden\r\n\r\nNO_CERTIFICATE\n');
  });

  it('the guard drops a silent peer (hello deadline), a stalled handshake (absolute deadline), and handshakes over the per-address cap; over maxConnections is refused too', async () => {
    const { port, refused } = await listener({ helloTimeoutMs: 50, handshakeTimeoutMs: 300, maxHandshakesPerAddress: 2 });
    const raw = () => {
      const s = tcpConnect(port, '127.0.0.1');
      s.on('error', () => undefined);
      sockets.push(s);
      return s;
    };
    raw();
    await until(() => refused.some((r) => r.code === 'ERR_TLS_HELLO_TIMEOUT'));
    const dripping = raw();
    dripping.write(Buffer.from([0x16])); // one byte of a ClientHello, then nothing
    await until(() => refused.some((r) => r.code === 'ERR_TLS_HANDSHAKE_TIMEOUT'));
    const first = raw();
    first.write(Buffer.from([0x16]));
    const second = raw();
    second.write(Buffer.from([0x16]));
    const third = raw();
    third.write(Buffer.from([0x16]));
    await until(() => refused.some((r) => r.code === 'TOO_MANY_HANDSHAKES_FROM_ADDRESS'));
    expect(refused.filter((r) => r.code === 'TOO_MANY_HANDSHAKES_FROM_ADDRESS')).toHaveLength(1);
    for (const r of refused) expect(r.peer).toMatch(/^127\.0\.0\.1:\d+$/);

    const capped = await listener({ maxConnections: 1, helloTimeoutMs: 60_000 });
    const a = tcpConnect(capped.port, '127.0.0.1');
    sockets.push(a);
    await new Promise((r) => a.once('connect', r));
    const b = tcpConnect(capped.port, '127.0.0.1');
    b.on('error', () => undefined);
    sockets.push(b);
    await until(() => capped.refused.some((r) => r.code === 'TOO_MANY_CONNECTIONS'));
  });
});
