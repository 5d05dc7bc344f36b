// Issue 12, item 4: crl.pem holds one CRL per CA, and Node's `crl` option reads ONE CRL per string.
// Joined into one string, only the first CRL reached OpenSSL, and every client of the other CA was
// refused with UNABLE_TO_GET_CRL as soon as anything was revoked: the README's rotation flow
// (ca rotate, then renew identities one by one) broke, and so did two --client-ca roots.
// Real `certrpc serve` processes, real handshakes.
import { readFileSync } from 'node:fs';
import { createReloadingClient } from '../../src/client/reloading-client';
import { unary } from '../../src/client/unary';
import { IdentityClient } from '../../src/gen/certrpc/v1/identity';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { probeTls } from '../../src/tls/probe';
import { demoClients } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

/** The server's "reloaded" line once it enforces CRLs listing `revoked` entries in all. */
function reloadedWith(server: RunningServer, revoked: number) {
  return eventually(
    () =>
      logLines(server.logs()).find(
        (l) =>
          l.event === 'reloaded' &&
          Array.isArray(l.crls) &&
          (l.crls as { revoked: number }[]).reduce((n, c) => n + c.revoked, 0) === revoked,
      ),
    `the server to reload CRLs listing ${revoked} revocation(s)`,
  );
}

async function whoAmI(address: string, tls: ClientTlsMaterial): Promise<string> {
  const client = demoClients(address, tls);
  try {
    return (await client.whoAmI()).commonName;
  } finally {
    client.close();
  }
}

/** A refused handshake, and the code the server logged for it. */
async function refusedWith(server: RunningServer, tls: ClientTlsMaterial, cn: string): Promise<string> {
  expect((await probeTls(server.address, tls)).ok).toBe(false);
  const line = await eventually(
    () => logLines(server.logs()).find((l) => l.event === 'handshake_refused' && l.subject === `CN=${cn}`),
    `the refusal of ${cn} in the server log`,
  );
  return String(line.code);
}

describe('ca rotate + cert revoke: clients of both CAs keep working, revoked ones are refused', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    server = await startCli(['serve', '--demo', '--dir', tmp.dir, '--port', '0']);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('serves alice (old CA, not renewed yet) and carol (new CA); refuses bob (old CA) and dave (new CA) once revoked', async () => {
    expect((await cli('ca', 'rotate')).code).toBe(0);
    expect((await cli('cert', 'issue', 'carol', '--client')).code).toBe(0);
    expect((await cli('cert', 'issue', 'dave', '--client')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'bob', '--reason', 'keyCompromise')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'dave')).code).toBe(0);
    // Two CRLs in crl.pem: the new CA's first, then the old one's.
    expect(readFileSync(pki.crlFile, 'utf8').match(/BEGIN X509 CRL/g)).toHaveLength(2);
    await reloadedWith(server, 2);

    // A client of the old CA that has not been renewed yet: the rotation flow says it keeps working.
    expect(await whoAmI(server.address, clientTls(pki, 'alice'))).toBe('alice');
    expect(await whoAmI(server.address, clientTls(pki, 'carol'))).toBe('carol');
    expect(await refusedWith(server, clientTls(pki, 'bob'), 'bob')).toBe('CERT_REVOKED');
    expect(await refusedWith(server, clientTls(pki, 'dave'), 'dave')).toBe('CERT_REVOKED');
    expect(logLines(server.logs()).some((l) => l.code === 'UNABLE_TO_GET_CRL')).toBe(false);
  });

  it("a client checking the server's certificate against crl.pem accepts the old CA's server (its CRL is the second)", async () => {
    const files = { certFile: pki.certFile('carol'), keyFile: pki.keyFile('carol'), caFiles: [pki.caCertFile], crlFile: pki.crlFile };
    const client = await createReloadingClient(IdentityClient, server.address, { files });
    try {
      expect(client.tls.current.crls).toHaveLength(2);
      expect((await unary(client.client, client.client.whoAmI, {})).commonName).toBe('carol');
    } finally {
      client.close();
    }
  });
});

describe('two --client-ca roots, each with a CRL', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  const cli = (...args: string[]) => runCli([...args, '--dir', tmp.dir]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    expect((await cli('pki', 'init', '--name', 'clients')).code).toBe(0);
    expect((await cli('cert', 'issue', 'carol', '--client', '--ca', 'clients')).code).toBe(0);
    expect((await cli('cert', 'issue', 'dave', '--client', '--ca', 'clients')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'bob')).code).toBe(0);
    expect((await cli('cert', 'revoke', 'dave')).code).toBe(0);
    server = await startCli([
      'serve',
      '--demo',
      '--dir',
      tmp.dir,
      '--port',
      '0',
      '--client-ca',
      pki.caCertFile,
      '--client-ca',
      pki.namedCaCertFile('clients'),
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it("serves the unrevoked clients of both roots and refuses each root's revoked one", async () => {
    expect(await whoAmI(server.address, clientTls(pki, 'alice'))).toBe('alice');
    expect(await whoAmI(server.address, clientTls(pki, 'carol'))).toBe('carol');
    expect(await refusedWith(server, clientTls(pki, 'bob'), 'bob')).toBe('CERT_REVOKED');
    expect(await refusedWith(server, clientTls(pki, 'dave'), 'dave')).toBe('CERT_REVOKED');
    expect(logLines(server.logs()).some((l) => l.code === 'UNABLE_TO_GET_CRL')).toBe(false);
  });
});
