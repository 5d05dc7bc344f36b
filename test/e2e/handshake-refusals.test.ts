// Issue 3 acceptance: peers without a certificate from a trusted CA never reach a handler; the
// client sees UNAVAILABLE with the reason, and the server says why it refused.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { serveDirectory } from '../../src/app/serve-directory';
import { RefusedHandshake } from '../../src/tls/refusal-reasons';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError } from '../helpers/calls';
import { clientTls, demoPki, otherCa } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';

describe('handshake refusals', () => {
  const tmp = tempDir();
  const refusals: RefusedHandshake[] = [];
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    server = await serveDirectory({
      pki,
      demo: true,
      port: 0,
      onRefusedHandshake: (r) => refusals.push(r),
      policy: allowAllAuthenticated(),
    });
    address = `127.0.0.1:${server.listening!.port}`;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    tmp.cleanup();
  });

  async function refused(tls: ReturnType<typeof clientTls> | { caPem: string }) {
    const clients = demoClients(address, tls as ReturnType<typeof clientTls>);
    const err = await grpcError(clients.whoAmI());
    clients.close();
    expect(err.code).toBe(status.UNAVAILABLE);
    return err.details;
  }

  it("refuses mallory's self-signed certificate, and says so on both sides", async () => {
    const details = await refused(clientTls(pki, 'mallory'));
    expect(details).toMatch(/the server refused the connection: .*self-signed \("CN=mallory"\)/);
    expect(refusals).toContainEqual(
      expect.objectContaining({
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
        subject: 'CN=mallory',
        reason: 'the client certificate is self-signed',
      }),
    );
  });

  it('refuses a client that sends no certificate', async () => {
    const details = await refused({ caPem: readFileSync(pki.caCertFile, 'utf8') });
    expect(details).toMatch(/requires a client certificate and you sent none/);
    // A library user is told the library's options (the CLI says --identity: rpc-failures.test.ts).
    expect(details).toMatch(/fix: give the client its identity: tls\.certPem and tls\.keyPem$/);
    expect(refusals).toContainEqual(expect.objectContaining({ code: 'NO_CERTIFICATE' }));
  });

  it('refuses a certificate signed by another CA made with the openssl CLI', async () => {
    const d = tmp.dir;
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
    run([
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '30',
      '-subj',
      '/CN=rogue CA',
      '-keyout',
      'rogue-ca.key',
      '-out',
      'rogue-ca.crt',
    ]);
    run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=eve', '-keyout', 'eve.key', '-out', 'eve.csr']);
    run([
      'x509',
      '-req',
      '-in',
      'eve.csr',
      '-CA',
      'rogue-ca.crt',
      '-CAkey',
      'rogue-ca.key',
      '-CAcreateserial',
      '-days',
      '30',
      '-out',
      'eve.crt',
    ]);
    const tls = {
      caPem: readFileSync(pki.caCertFile, 'utf8'),
      certPem: readFileSync(join(d, 'eve.crt'), 'utf8'),
      keyPem: readFileSync(join(d, 'eve.key'), 'utf8'),
    };
    const details = await refused(tls);
    expect(details).toMatch(/the server refused your certificate \(issued by "CN=rogue CA"\)/);
    expect(refusals).toContainEqual(
      expect.objectContaining({
        subject: 'CN=eve',
        issuer: 'CN=rogue CA',
        reason: expect.stringMatching(
          /^the client certificate was issued by a CA this server does not trust \(or by an intermediate CA the client did not send/,
        ),
      }),
    );
  });

  it('the client refuses a server whose CA it does not trust, naming both issuers', async () => {
    const other = await otherCa(join(tmp.dir, 'other'));
    const tls = { ...clientTls(pki, 'alice'), caPem: readFileSync(other.caCertFile, 'utf8') };
    const details = await refused(tls);
    expect(details).toMatch(
      /this client refused the server: the server's certificate is not signed by a CA you trust: it was issued by "CN=certrpc demo CA", you trust "CN=some other CA"/,
    );
    expect(details).toMatch(/fix: trust the CA that signed the server \(tls\.caPem: /);
    expect(details).not.toMatch(/--[a-z]/);
  });

  it('still serves a valid client after all of that', async () => {
    const alice = demoClients(address, clientTls(pki, 'alice'));
    expect((await alice.whoAmI()).commonName).toBe('alice');
    alice.close();
  });
});
