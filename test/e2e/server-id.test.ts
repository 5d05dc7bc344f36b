// Issue 7, part 4: the server is verified by its service identity (a URI SAN) instead of the address
// dialed, so it can move between addresses without re-issuing; the hostname check stays the default.
import { join } from 'node:path';
import { createClient } from '../../src/client/create-client';
import { unary } from '../../src/client/unary';
import { IdentityClient } from '../../src/gen/certrpc/v1/identity';
import { PkiDir } from '../../src/store/pki-dir';
import { grpcError } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

const SERVICE_ID = 'spiffe://certrpc.demo/service/demo';
const WHOAMI = 'certrpc.v1.Identity/WhoAmI';

describe('--server-id: server identity independent of the dial address', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  // The demo server certificate names DNS:localhost, IP:127.0.0.1, IP:::1 and the SPIFFE ID: not 127.0.0.2.
  const call = (...args: string[]) => runCli(['call', server.address, WHOAMI, '--identity', 'alice', '--dir', tmp.dir, ...args]);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    server = await startCli([
      'serve',
      '--demo',
      '--dir',
      tmp.dir,
      '--host',
      '127.0.0.2',
      '--port',
      '0',
      '--policy',
      join(__dirname, '..', '..', 'policy.yaml'),
    ]);
    expect(server.address).toMatch(/^127\.0\.0\.2:\d+$/);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.cleanup();
  });

  it('by default checks the dialed address strictly, and says which names the certificate has', async () => {
    const result = await call();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "this client refused the server: the server's certificate is not valid for the name you dialed (127.0.0.2)",
    );
    expect(result.stderr).toContain(SERVICE_ID);
  });

  it('succeeds when the server carries the expected identity', async () => {
    const result = await call('--server-id', SERVICE_ID);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).commonName).toBe('alice');
  });

  it('fails with a clear message when it does not', async () => {
    const result = await call('--server-id', 'spiffe://certrpc.demo/service/billing');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /the server's certificate does not carry the server id you expect \(spiffe:\/\/certrpc\.demo\/service\/billing\): its names are .*URI:spiffe:\/\/certrpc\.demo\/service\/demo/,
    );
    expect(result.stderr).toMatch(/fix: /);
  });

  it('accepts a DNS name as the identity too (checked with Node’s hostname rules)', async () => {
    expect((await call('--server-id', 'localhost')).code).toBe(0);
    expect((await call('--server-id', 'billing.internal')).code).toBe(1);
  });

  it('is the library option tls.serverId', async () => {
    const good = createClient(IdentityClient, server.address, { tls: { ...clientTls(pki, 'alice'), serverId: SERVICE_ID } });
    const bad = createClient(IdentityClient, server.address, {
      tls: { ...clientTls(pki, 'alice'), serverId: 'spiffe://certrpc.demo/service/other' },
    });
    try {
      expect((await unary(good, good.whoAmI, {})).commonName).toBe('alice');
      expect((await grpcError(unary(bad, bad.whoAmI, {}))).details).toMatch(
        /does not carry the server id you expect \(spiffe:\/\/certrpc\.demo\/service\/other\)/,
      );
    } finally {
      good.close();
      bad.close();
    }
  });
});
