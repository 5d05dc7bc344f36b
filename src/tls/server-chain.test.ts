// fetchPresentedChain (`cert inspect --server`) against real TLS servers on 127.0.0.1:0 in this
// process: the chain exactly as sent (never completed, capped at 10, a self-signed leaf once), the
// ALPN and SNI it offers, the name check, and each way it fails (refused, not TLS, silent, no certificate).
import { X509Certificate } from 'node:crypto';
import { createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import tls from 'node:tls';
import { createCa, createIntermediateCa, loadSigningCa, SigningCa } from '../pki/ca';
import { issueCertificate } from '../pki/issue';
import { pemBlocks } from '../pki/pem';
import { parseSanList } from '../pki/subject-alt-names';
import { ConnectionError } from './connection-error';
import { fetchPresentedChain } from './server-chain';

type Closable = TcpServer | tls.Server;

describe('fetchPresentedChain', () => {
  const servers: Closable[] = [];
  const sockets: Socket[] = [];
  const offered: { servername: string | false | undefined; protocols: string[] }[] = [];
  let root: SigningCa;
  let chainPem: string;
  let leafKeyPem: string;

  async function listen(server: Closable): Promise<string> {
    servers.push(server);
    server.on('connection', (s: Socket) => sockets.push(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as { port: number }).port}`;
  }
  /** A TLS server presenting exactly certPem (every block in it), recording what each client offered. */
  function tlsServer(certPem: string, keyPem: string, extra: tls.TlsOptions = {}): Promise<string> {
    const server = tls.createServer({
      cert: certPem,
      key: keyPem,
      ALPNCallback: ({ servername, protocols }) => {
        offered.push({ servername, protocols });
        return protocols[0];
      },
      ...extra,
    });
    server.on('tlsClientError', () => undefined);
    return listen(server);
  }
  const signing = async (made: { certPem: string; keyPem: string }) => loadSigningCa(made.certPem, made.keyPem, {}, made.certPem);

  beforeAll(async () => {
    const madeRoot = await createCa({ commonName: 'inspect root' });
    root = await loadSigningCa(madeRoot.certPem, madeRoot.keyPem);
    const intermediate = await signing(await createIntermediateCa(root, { commonName: 'inspect intermediate' }));
    const leaf = await issueCertificate(intermediate, {
      profile: 'server',
      commonName: 'inspect leaf',
      sans: parseSanList('DNS:localhost'),
    });
    chainPem = leaf.certPem; // the leaf, then the intermediate; never the root
    leafKeyPem = leaf.keyPem;
  });
  afterEach(async () => {
    offered.splice(0);
    for (const s of sockets.splice(0)) s.destroy();
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });

  it('lists the certificates as sent, leaf first, offering h2 and http/1.1, and checks the leaf for the host dialed', async () => {
    const address = await tlsServer(chainPem, leafKeyPem);
    const chain = await fetchPresentedChain(address);
    expect(chain).toMatchObject({ address, name: '127.0.0.1', protocol: 'TLSv1.3' });
    expect(chain.certificates.map((c) => c.subject)).toEqual(['CN=inspect leaf', 'CN=inspect intermediate']);
    expect(chain.certificates.map((c) => c.fingerprint256)).toEqual(pemBlocks(chainPem).map((b) => new X509Certificate(b).fingerprint256));
    expect(chain.nameMismatch).toBe("Hostname/IP does not match certificate's altnames: IP: 127.0.0.1 is not in the cert's list: ");
    // An IP address is no SNI name; both protocols a TLS server might speak are offered.
    expect(offered).toEqual([{ servername: false, protocols: ['h2', 'http/1.1'] }]);
  });

  it('checks the leaf for the SNI name given, and sends it', async () => {
    const address = await tlsServer(chainPem, leafKeyPem);
    const chain = await fetchPresentedChain(address, { servername: 'localhost' });
    expect(chain.name).toBe('localhost');
    expect(chain.nameMismatch).toBeUndefined();
    expect(chain.certificates).toHaveLength(2);
    expect(offered).toEqual([{ servername: 'localhost', protocols: ['h2', 'http/1.1'] }]);
  });

  it('lists a self-signed certificate once (Node links it to itself)', async () => {
    const selfSigned = await createCa({ commonName: 'inspect self-signed' });
    const address = await tlsServer(selfSigned.certPem, selfSigned.keyPem);
    const chain = await fetchPresentedChain(address, { servername: 'localhost' });
    expect(chain.certificates.map((c) => c.subject)).toEqual(['CN=inspect self-signed']);
    expect(chain.certificates[0].fingerprint256).toBe(new X509Certificate(selfSigned.certPem).fingerprint256);
  });

  it('reads at most 10 certificates of a longer chain, in the order they link', async () => {
    // A hostile or broken server may send any number of certificates: 11 intermediates and a leaf.
    const levels: SigningCa[] = [root];
    for (let i = 1; i <= 11; i++) {
      levels.push(await signing(await createIntermediateCa(levels[i - 1], { commonName: `level ${i}`, pathLength: 20 })));
    }
    const leaf = await issueCertificate(levels[11], { profile: 'server', commonName: 'deep leaf', sans: parseSanList('DNS:localhost') });
    // In link order: Node links an issuer sent out of order only sometimes.
    const sent = [
      pemBlocks(leaf.certPem)[0],
      ...levels
        .slice(1)
        .reverse()
        .map((l) => l.certPem),
    ]
      .map((b) => `${b.trim()}\n`)
      .join('');
    const address = await tlsServer(sent, leaf.keyPem);
    const chain = await fetchPresentedChain(address, { servername: 'localhost' });
    expect(chain.certificates.map((c) => c.subject)).toEqual([
      'CN=deep leaf',
      ...[11, 10, 9, 8, 7, 6, 5, 4, 3].map((i) => `CN=level ${i}`),
    ]);
  });

  it('nothing listening: a network failure naming the address', async () => {
    const address = await listen(createTcpServer());
    await new Promise((r) => servers.pop()!.close(r));
    const err = await fetchPresentedChain(address).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err).toMatchObject({
      code: 'CONNECTION_FAILED',
      failure: { side: 'network', code: 'ECONNREFUSED', reason: `nothing is listening on ${address}` },
    });
  });

  it('a port that answers in something other than TLS: the handshake failed, with its OpenSSL error', async () => {
    const http = createTcpServer((s) => {
      s.on('error', () => undefined);
      s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    });
    const address = await listen(http);
    const err = (await fetchPresentedChain(address).catch((e: unknown) => e)) as ConnectionError;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.failure).toEqual({
      side: 'server',
      code: 'ERR_SSL_WRONG_VERSION_NUMBER',
      reason: expect.stringMatching(
        new RegExp(`^the TLS handshake with ${address} failed before it presented a certificate: .*:wrong version number:`),
      ),
      fix: 'check that HOST:PORT is a TLS server (certrpc serve, or another gRPC/HTTPS server)',
    });
  });

  it('a server that never answers: a timeout after timeoutMs', async () => {
    const address = await listen(createTcpServer((s) => s.on('error', () => undefined)));
    await expect(fetchPresentedChain(address, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      failure: { side: 'network', code: 'ETIMEDOUT', reason: `no answer from ${address} in time` },
    });
  });

  it('a handshake without a certificate (anonymous cipher suites) is refused, not listed as an empty chain', async () => {
    // Only a client that enables anonymous suites gets here; Node's default list excludes them.
    const address = await listen(tls.createServer({ ciphers: 'aNULL:@SECLEVEL=0', maxVersion: 'TLSv1.2' }));
    const saved = tls.DEFAULT_CIPHERS;
    tls.DEFAULT_CIPHERS = 'aNULL:@SECLEVEL=0';
    try {
      await expect(fetchPresentedChain(address)).rejects.toMatchObject({
        code: 'CONNECTION_FAILED',
        failure: {
          side: 'server',
          code: 'NO_CERTIFICATE',
          reason: `${address} completed a TLS handshake without a certificate`,
          fix: 'check HOST:PORT',
        },
      });
    } finally {
      tls.DEFAULT_CIPHERS = saved;
    }
  });
});
