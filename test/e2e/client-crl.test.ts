// A long-lived client checks the SERVER's certificate against a CRL (createReloadingClient's
// files.crlFile): a server whose certificate its CA revoked is refused at the handshake, a CRL
// published while the client runs applies to its next connection, and a broken CRL file keeps
// the last good one in force (the revoked server stays refused).
import { Metadata, status } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createReloadingClient, ReloadingClient } from '../../src/client/reloading-client';
import { serveDirectory } from '../../src/app/serve-directory';
import { IdentityClient } from '../../src/gen/certrpc/v1/identity';
import { createCrl, RevokedEntry } from '../../src/pki/crl';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { TlsFiles } from '../../src/tls/tls-material-files';
import { grpcError, unary } from '../helpers/calls';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { runLogger } from '../helpers/test-run';

const DAY = 86_400_000;

describe("client-side CRL: the server's certificate checked against it", () => {
  const tmp = tempDir();
  const log = runLogger('client-crl');
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;
  let crlNumber = 0;
  let serverSerial: string;
  const open: ReloadingClient<IdentityClient>[] = [];

  /** A CRL of the demo CA listing these serials. */
  const crl = async (serials: string[]) => {
    const entries: RevokedEntry[] = serials.map((serial) => ({ serial, revokedAt: new Date(), reason: 'keyCompromise' }));
    return createCrl(await pki.loadCa(), entries, { crlNumber: ++crlNumber, nextUpdate: new Date(Date.now() + 7 * DAY) });
  };
  const clientWith = async (crlFile: string) => {
    const files: TlsFiles = { certFile: pki.certFile('alice'), keyFile: pki.keyFile('alice'), caFiles: [pki.caCertFile], crlFile };
    const client = await createReloadingClient(IdentityClient, address, {
      files,
      authority: 'localhost',
      logger: log.logger,
      reload: { debounceMs: 20, settleMs: 100 },
    });
    open.push(client);
    return client;
  };
  const whoAmI = (c: ReloadingClient<IdentityClient>) =>
    unary(c.client, c.client.whoAmI, {}, new Metadata(), { deadline: Date.now() + 10_000 });

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    // The server enforces no CRL of its own here (DIR/crl.pem does not exist): only the client checks.
    server = await serveDirectory({ pki, demo: true, port: 0, logger: log.logger });
    address = `127.0.0.1:${server.listening!.port}`;
    serverSerial = new X509Certificate(pki.loadIdentity('server').certPem).serialNumber.toLowerCase().replace(/^0+/, '');
  });
  afterAll(async () => {
    open.forEach((c) => c.close());
    await server.shutdown(1000);
    tmp.cleanup();
  });

  it('connects when the CRL lists other serials, and refuses a server whose certificate is on it', async () => {
    const clean = join(tmp.dir, 'clean.crl');
    writeFileSync(clean, await crl(['1234abcd']));
    expect((await whoAmI(await clientWith(clean))).commonName).toBe('alice');

    const revoked = join(tmp.dir, 'revoked.crl');
    writeFileSync(revoked, await crl([serverSerial]));
    const refused = await grpcError(whoAmI(await clientWith(revoked)));
    expect(refused.code).toBe(status.UNAVAILABLE);
    expect(refused.details).toMatch(/certificate revoked/);
  });

  it('applies a CRL published while it runs to its next connection; a broken CRL then keeps the revocation in force', async () => {
    const file = join(tmp.dir, 'live.crl');
    writeFileSync(file, await crl([]));
    const client = await clientWith(file);
    expect((await whoAmI(client)).commonName).toBe('alice');

    let next = client.tls.nextReload();
    writeFileSync(file, await crl([serverSerial]));
    expect(await next).toMatchObject({ ok: true, version: 2 });
    expect(client.tls.current.crls).toEqual([expect.objectContaining({ revoked: 1 })]);
    expect((await grpcError(whoAmI(client))).details).toMatch(/certificate revoked/);

    next = client.tls.nextReload();
    writeFileSync(file, '-----BEGIN X509 CRL-----\nbm90IGEgQ1JM\n-----END X509 CRL-----\n');
    const verdict = await next;
    expect(verdict).toMatchObject({ ok: false, version: 2 });
    expect(verdict.error).toMatch(/live\.crl/);
    expect((await grpcError(whoAmI(client))).details).toMatch(/certificate revoked/);
  });
});
