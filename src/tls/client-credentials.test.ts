// createClientCredentials against a real MtlsListener on 127.0.0.1:0 with real certificates: the
// server is checked for serverId (a URI SAN, or a DNS name) instead of the address dialed.
import { clientTls } from '../../test/helpers/pki';
import { dial, kvServer, refusal } from '../../test/helpers/secure-connector';
import { tempDir } from '../../test/helpers/temp-dir';
import { ClientTlsMaterial, createClientCredentials } from './client-credentials';

describe('createClientCredentials', () => {
  const tmp = tempDir();
  let server: Awaited<ReturnType<typeof kvServer>>;
  let alice: ClientTlsMaterial;
  beforeAll(async () => {
    server = await kvServer(`${tmp.dir}/pki`);
    alice = clientTls(server.pki, 'alice');
  });
  afterAll(async () => {
    await server.listener.close();
    tmp.cleanup();
  });

  it('refuses a private key without its certificate', () => {
    expect(() => createClientCredentials({ caPem: alice.caPem, keyPem: alice.keyPem })).toThrow(
      new Error('Private key must be given with accompanying certificate chain'),
    );
    expect(createClientCredentials({ caPem: alice.caPem })._isSecure()).toBe(true);
  });

  it('serverId as a URI: the server certificate must carry it as a URI SAN, whatever address was dialed', async () => {
    const kv = createClientCredentials({ ...alice, serverId: 'spiffe://corp/service/kv' });
    expect(await dial(kv, server.port, 'dns:127.0.0.1:443')).toEqual({ secure: true, resumed: false });
    const other = createClientCredentials({ ...alice, serverId: 'spiffe://corp/service/db' });
    expect((await refusal(other, server.port, 'dns:kv.corp:443'))?.message).toBe(
      'server identity mismatch: expected URI SAN spiffe://corp/service/db, the server certificate has DNS:kv.corp, URI:spiffe://corp/service/kv',
    );
  });

  it("serverId as a DNS name: checked by Node's rules instead of the address dialed", async () => {
    const kv = createClientCredentials({ ...alice, serverId: 'kv.corp' });
    expect(await dial(kv, server.port, 'dns:127.0.0.1:443')).toEqual({ secure: true, resumed: false });
    const other = createClientCredentials({ ...alice, serverId: 'db.corp' });
    expect(await refusal(other, server.port, 'dns:kv.corp:443')).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: "Host: db.corp. is not in the cert's altnames: DNS:kv.corp, URI:spiffe://corp/service/kv",
    });
  });
});
