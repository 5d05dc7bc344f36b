// The mTLS listener's edges, with real sockets on 127.0.0.1:0 and real certificates: peers that fail
// inside OpenSSL or hang up mid-handshake (reported once, with their address), socket errors after
// the decision (never a crash), the chain a client sends (its intermediate is the issuing CA), and
// a resumed session at its certificate's notAfter (refused, as a full handshake would be).
import { X509Certificate } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect as tcpConnect, Socket } from 'node:net';
import { connect, Server, TLSSocket } from 'node:tls';
import { opensslSelfSigned, opensslSigned } from '../../test/helpers/openssl-pki';
import { clientTls, demoPki } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { issuingCaOf } from '../gate/issuing-ca';
import { PkiDir } from '../store/pki-dir';
import { ListenerLimits, ListenerProtocol, MtlsListener, TlsMaterial } from './mtls-listener';
import { RefusedHandshake, refusalReason } from './refusal-reasons';

describe('MtlsListener edges', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let material: TlsMaterial;
  const toClose: { close: () => Promise<void> }[] = [];
  const sockets: (Socket | TLSSocket)[] = [];

  beforeAll(async () => {
    pki = await demoPki(`${tmp.dir}/pki`);
    const id = pki.loadIdentity('server');
    material = { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem };
  });
  afterEach(async () => {
    jest.useRealTimers();
    for (const s of sockets.splice(0)) s.destroy();
    for (const l of toClose.splice(0)) await l.close();
  });
  afterAll(() => tmp.cleanup());

  async function listener(options: { limits?: ListenerLimits; protocol?: ListenerProtocol; m?: TlsMaterial; anonymous?: boolean } = {}) {
    const l = new MtlsListener(options.m ?? material, options.limits, options.protocol, options.anonymous);
    const refused: RefusedHandshake[] = [];
    const admitted: TLSSocket[] = [];
    l.on('refused', (r) => refused.push(r));
    l.on('connection', (s) => admitted.push(s));
    // What Node reported to the listener, seen after the listener's own handler ran (listeners run in
    // order): the event to wait for before asserting what the listener made of it.
    const clientErrors: string[] = [];
    (l as unknown as { server: Server }).server.on('tlsClientError', (err: Error & { code?: string }) =>
      clientErrors.push(err.code ?? '?'),
    );
    const { port } = await l.listen('127.0.0.1', 0);
    toClose.push({ close: () => (admitted.forEach((s) => s.destroy()), l.close()) });
    return { l, port, refused, admitted, clientErrors };
  }

  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setTimeout(r, 10));
  };
  /** Extension lines of an openssl-made CA (pathlen as given) and of a client certificate under one (`extra` lines added). */
  const caLines = (pathlen?: number) => [
    `basicConstraints=critical,CA:TRUE${pathlen === undefined ? '' : `,pathlen:${pathlen}`}`,
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
  ];
  const clientLines = (...extra: string[]) => [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=clientAuth',
    'authorityKeyIdentifier=keyid',
    ...extra,
  ];
  const closed = (s: Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())));

  /** A TCP connection; `port` is its own port, kept (a closed socket forgets it). */
  function raw(port: number): Promise<{ s: Socket; port: number }> {
    const s = tcpConnect(port, '127.0.0.1');
    s.on('error', () => undefined);
    sockets.push(s);
    return new Promise((r) => s.once('connect', () => r({ s, port: s.localPort! })));
  }

  /** A TLS client of the listener; resolves once its handshake is over (secureConnect, or the connection closed). */
  function tlsClient(
    port: number,
    options: { cert?: string; key?: string; alpn?: string[]; session?: Buffer; onSession?: (s: Buffer) => void } = {},
  ) {
    const tcp = tcpConnect(port, '127.0.0.1');
    tcp.on('error', () => undefined);
    const s = connect({
      socket: tcp,
      ca: material.clientCaPem,
      servername: 'localhost',
      ALPNProtocols: options.alpn ?? ['h2'],
      cert: options.cert,
      key: options.key,
      session: options.session,
    });
    sockets.push(s, tcp);
    s.on('error', () => undefined);
    if (options.onSession) s.on('session', options.onSession);
    return new Promise<{ s: TLSSocket; tcp: Socket }>((r) => {
      s.once('secureConnect', () => r({ s, tcp }));
      s.once('close', () => r({ s, tcp }));
    });
  }

  it("a peer that does not speak TLS is refused with OpenSSL's code and its address, and one that hangs up mid-handshake with its address too", async () => {
    const { port, refused, clientErrors } = await listener();
    const http = await raw(port);
    http.s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => clientErrors.length === 1);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toEqual({
      peer: `127.0.0.1:${http.port}`,
      code: 'ERR_SSL_HTTP_REQUEST',
      reason: refusalReason('ERR_SSL_HTTP_REQUEST'),
    });

    // The TLS socket is closed when its hang-up is reported, so its address is the one read at accept.
    const quitter = await raw(port);
    quitter.s.write(Buffer.from([0x16]));
    quitter.s.end();
    await until(() => clientErrors.length === 2);
    expect(refused).toHaveLength(2);
    expect(refused[1]).toEqual({ peer: `127.0.0.1:${quitter.port}`, code: 'ECONNRESET', reason: refusalReason('ECONNRESET') });
  });

  it('a peer the guard dropped is reported once (its hang-up is not a second refusal); over maxConnections with its own reason', async () => {
    const { port, refused, clientErrors } = await listener({ limits: { helloTimeoutMs: 50 } });
    const silent = await raw(port);
    await until(() => clientErrors.includes('ECONNRESET')); // Node's report of the hang-up the guard caused
    expect(refused).toEqual([
      { peer: `127.0.0.1:${silent.port}`, code: 'ERR_TLS_HELLO_TIMEOUT', reason: refusalReason('ERR_TLS_HELLO_TIMEOUT') },
    ]);

    const capped = await listener({ limits: { maxConnections: 1 } });
    await raw(capped.port);
    const second = await raw(capped.port);
    await closed(second.s);
    await until(() => capped.refused.length === 1);
    expect(capped.refused).toEqual([
      { peer: `127.0.0.1:${second.port}`, code: 'TOO_MANY_CONNECTIONS', reason: refusalReason('TOO_MANY_CONNECTIONS') },
    ]);
  });

  it('a socket error after the decision (admitted, anonymous, or refused with farewell words) is no crash', async () => {
    const alice = clientTls(pki, 'alice');
    const admittedCase = await listener();
    const a = await tlsClient(admittedCase.port, { cert: alice.certPem, key: alice.keyPem });
    await until(() => admittedCase.admitted.length === 1);
    a.tcp.resetAndDestroy();
    await closed(admittedCase.admitted[0]);

    const anonymousCase = await listener({ anonymous: true });
    const b = await tlsClient(anonymousCase.port);
    await until(() => anonymousCase.admitted.length === 1);
    b.tcp.resetAndDestroy();
    await closed(anonymousCase.admitted[0]);

    const farewellCase = await listener({
      protocol: { alpn: ['http/1.1'], farewell: () => 'HTTP/1.1 403 Forbidden\r\n\r\n'.repeat(100_000) },
    });
    const c = await tlsClient(farewellCase.port, { alpn: ['http/1.1'] });
    c.s.pause(); // reads nothing: the farewell is still being written when the reset comes
    await until(() => farewellCase.refused.length === 1);
    c.tcp.resetAndDestroy();
    await farewellCase.l.close(); // resolves once the refused socket is gone: after its error

    expect(farewellCase.refused.map((r) => r.code)).toEqual(['NO_CERTIFICATE']);
  });

  it('the issuing CA of a client whose certificate an intermediate signed is that intermediate, from the chain the client sent', async () => {
    const dir = `${tmp.dir}/chain`;
    mkdirSync(dir);
    const root = opensslSelfSigned(dir, 'root', '/CN=edge root', { addext: caLines() });
    const intermediate = opensslSigned(dir, 'intermediate', '/CN=edge intermediate', root, [...caLines(), 'authorityKeyIdentifier=keyid']);
    const leaf = opensslSigned(dir, 'carol', '/CN=carol', intermediate, clientLines());
    const { port, admitted, refused } = await listener({ m: { ...material, clientCaPem: root.certPem } });
    await tlsClient(port, { cert: leaf.certPem + intermediate.certPem, key: leaf.keyPem });
    await until(() => admitted.length + refused.length === 1);
    expect(refused).toEqual([]);
    const peer = admitted[0].getPeerCertificate();
    expect(peer.subject.CN).toBe('carol');
    expect(issuingCaOf(peer)).toEqual({
      subject: 'CN=edge intermediate',
      fingerprint: new X509Certificate(intermediate.certPem).fingerprint256,
    });
  });

  it("a client whose chain breaks a CA's pathlen is refused as OpenSSL refuses it, in words that say which rule", async () => {
    const dir = `${tmp.dir}/pathlen`;
    mkdirSync(dir);
    const root = opensslSelfSigned(dir, 'root', '/CN=pathlen root', { addext: caLines() });
    const first = opensslSigned(dir, 'first', '/CN=pathlen 0', root, [...caLines(0), 'authorityKeyIdentifier=keyid']);
    const second = opensslSigned(dir, 'second', '/CN=below pathlen 0', first, [...caLines(), 'authorityKeyIdentifier=keyid']);
    const leaf = opensslSigned(dir, 'dave', '/CN=dave', second, clientLines());
    const { port, admitted, refused } = await listener({ m: { ...material, clientCaPem: root.certPem } });
    await tlsClient(port, { cert: leaf.certPem + second.certPem + first.certPem, key: leaf.keyPem });
    await until(() => admitted.length + refused.length === 1);
    expect(admitted).toEqual([]);
    expect(refused[0]).toMatchObject({ code: 'PATH_LENGTH_EXCEEDED', reason: refusalReason('PATH_LENGTH_EXCEEDED') });
    expect(refused[0].reason).toContain('pathlen');
  });

  it("a client outside its CA's name constraints is refused, in words that send the operator to cert verify (Node names no code for it)", async () => {
    const dir = `${tmp.dir}/constraints`;
    mkdirSync(dir);
    const root = opensslSelfSigned(dir, 'root', '/CN=nc root', { addext: caLines() });
    const constrained = opensslSigned(dir, 'ca', '/CN=example.com only', root, [
      ...caLines(),
      'authorityKeyIdentifier=keyid',
      'nameConstraints=critical,permitted;DNS:example.com',
    ]);
    const leaf = (name: string, dns: string) =>
      opensslSigned(dir, name, `/CN=${name}`, constrained, clientLines(`subjectAltName=DNS:${dns}`));
    const inside = leaf('inside', 'svc.example.com');
    const outside = leaf('outside', 'svc.evil.com');
    const { port, admitted, refused } = await listener({ m: { ...material, clientCaPem: root.certPem } });
    await tlsClient(port, { cert: inside.certPem + constrained.certPem, key: inside.keyPem });
    await tlsClient(port, { cert: outside.certPem + constrained.certPem, key: outside.keyPem });
    await until(() => admitted.length + refused.length === 2);
    expect(admitted.map((s) => s.getPeerCertificate().subject.CN)).toEqual(['inside']);
    expect(refused).toEqual([
      expect.objectContaining({ code: 'UNSPECIFIED', reason: refusalReason('UNSPECIFIED'), subject: 'CN=outside' }),
    ]);
    expect(refused[0].reason).toContain('cert verify');
  });

  it("a resumed session is admitted until its certificate's notAfter and refused from that millisecond on, as OpenSSL refuses a full handshake", async () => {
    const alice = clientTls(pki, 'alice');
    const { port, admitted, refused } = await listener();
    const notAfter = Date.parse(new X509Certificate(alice.certPem!).validTo);
    let session: Buffer | undefined;
    const { s: first } = await tlsClient(port, { cert: alice.certPem, key: alice.keyPem, onSession: (s) => (session = s) });
    first.write('x');
    await until(() => session !== undefined);

    // Only Date is faked (the clock the listener reads); OpenSSL's clock and every timer stay real.
    const realClock = ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval'] as const;
    jest.useFakeTimers({ doNotFake: [...realClock, 'clearInterval', 'setTimeout', 'clearTimeout'], now: notAfter - 1 });
    const { s: before } = await tlsClient(port, { cert: alice.certPem, key: alice.keyPem, session });
    expect(before.isSessionReused()).toBe(true);
    await until(() => admitted.length === 2);
    expect(admitted[1].isSessionReused()).toBe(true);

    jest.setSystemTime(notAfter);
    const { s: at } = await tlsClient(port, { cert: alice.certPem, key: alice.keyPem, session });
    expect(at.isSessionReused()).toBe(true);
    await until(() => admitted.length + refused.length === 3);
    expect(admitted).toHaveLength(2);
    expect(refused[0]).toMatchObject({ code: 'CERT_HAS_EXPIRED', reason: refusalReason('CERT_HAS_EXPIRED'), subject: 'CN=alice' });
  });

  it('listen() rejects when the port is taken', async () => {
    const { port } = await listener();
    const l = new MtlsListener(material);
    await expect(l.listen('127.0.0.1', port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});
