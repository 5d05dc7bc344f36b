// serverCertificateProblem on real client sockets (127.0.0.1:0) handshaken with
// rejectUnauthorized: false, as the probe and the proxy tunnel make them: which refusal wins when
// a server is both untrusted and misnamed, what the message says the client trusts, and the names.
import { readFileSync } from 'node:fs';
import { connect, createServer, PeerCertificate, Server, TLSSocket } from 'node:tls';
import { demoPki, issue, otherCa } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { createCa } from '../pki/ca';
import { PkiDir } from '../store/pki-dir';
import { presentedNames, serverCertificateProblem } from './server-certificate-check';

describe('serverCertificateProblem', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let caPem: string;
  let thirdCaPem: string;
  const servers: Server[] = [];
  const sockets: TLSSocket[] = [];
  const ports: Record<string, number> = {};

  /** A TLS server on 127.0.0.1:0 presenting NAME of that PKI. */
  async function serve(from: PkiDir, name: string): Promise<number> {
    const id = from.loadIdentity(name);
    const server = createServer({ cert: id.certPem, key: id.keyPem }, (s) => s.on('error', () => undefined));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  /** A handshaken client socket that verified nothing itself (the chain result is in socket.authorized). */
  async function dial(port: number, servername: string): Promise<{ socket: TLSSocket; cert: PeerCertificate }> {
    const socket = connect({ host: '127.0.0.1', port, servername, ca: caPem, rejectUnauthorized: false });
    sockets.push(socket);
    socket.on('error', () => undefined);
    await new Promise((r) => socket.once('secureConnect', r));
    return { socket, cert: socket.getPeerCertificate(true) };
  }

  beforeAll(async () => {
    pki = await demoPki(`${tmp.dir}/pki`);
    const stranger = await otherCa(`${tmp.dir}/other`);
    await issue(pki, 'web', { profile: 'server', commonName: 'web', san: 'DNS:localhost,DNS:web.corp' });
    await issue(stranger, 'imposter', { profile: 'server', commonName: 'imposter', san: 'DNS:localhost' });
    caPem = readFileSync(pki.caCertFile, 'utf8');
    thirdCaPem = (await createCa({ commonName: 'third CA' })).certPem;
    ports.web = await serve(pki, 'web');
    ports.imposter = await serve(stranger, 'imposter');
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    tmp.cleanup();
  });

  it('a trusted server under a name it has passes; under another name it is refused for the name', async () => {
    const { socket, cert } = await dial(ports.web, 'localhost');
    expect(serverCertificateProblem(socket, cert, 'localhost', { caPem })).toBeUndefined();
    const misnamed = await dial(ports.web, 'db.corp');
    expect(serverCertificateProblem(misnamed.socket, misnamed.cert, 'db.corp', { caPem })).toEqual({
      side: 'client',
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: "the server's certificate is not valid for the name you dialed (db.corp): its names are DNS:localhost, DNS:web.corp",
      fix: 'dial one of the names the certificate has, verify it under another (authority, or tls.serverId), or re-issue the server certificate with the name as a SAN',
    });
  });

  it('an untrusted server that is also misnamed is refused for its chain, naming every CA the client trusts', async () => {
    const { socket, cert } = await dial(ports.imposter, 'db.corp');
    expect(socket.authorized).toBe(false);
    const refused = serverCertificateProblem(socket, cert, 'db.corp', { caPem: caPem + thirdCaPem });
    expect(refused).toMatchObject({
      side: 'client',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      reason: `the server's certificate is not signed by a CA you trust: it was issued by "CN=some other CA", you trust "CN=certrpc demo CA; CN=third CA"`,
    });
    // The same with a serverId asked for: the chain still comes first.
    expect(serverCertificateProblem(socket, cert, 'db.corp', { caPem, serverId: 'spiffe://corp/db' })?.code).toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
    expect(serverCertificateProblem(socket, cert, 'db.corp', { caPem: 'not a certificate' })?.reason).toBe(
      `the server's certificate is not signed by a CA you trust: it was issued by "CN=some other CA", you trust "an unreadable CA bundle"`,
    );
  });

  it('a serverId replaces the dialed name: a server without it is refused as SERVER_ID_MISMATCH', async () => {
    const { socket, cert } = await dial(ports.web, 'localhost');
    expect(serverCertificateProblem(socket, cert, 'localhost', { caPem, serverId: 'web.corp' })).toBeUndefined();
    expect(serverCertificateProblem(socket, cert, 'localhost', { caPem, serverId: 'spiffe://corp/db' })).toEqual({
      side: 'client',
      code: 'SERVER_ID_MISMATCH',
      reason:
        "the server's certificate does not carry the server id you expect (spiffe://corp/db): its names are DNS:localhost, DNS:web.corp",
      fix: 'check tls.serverId, or re-issue the server certificate with that URI SAN',
    });
  });

  it('presentedNames: the SANs, else the CN, else nothing (getPeerCertificate() is {} without a certificate)', async () => {
    const { cert } = await dial(ports.web, 'localhost');
    expect(presentedNames(cert)).toBe('DNS:localhost, DNS:web.corp');
    expect(presentedNames({ ...cert, subjectaltname: undefined } as unknown as PeerCertificate)).toBe('CN=web');
    expect(presentedNames({} as PeerCertificate)).toBeUndefined();
    expect(presentedNames(undefined)).toBeUndefined();
  });
});
