// The resuming channel credentials' secure connector, driven as grpc-js's subchannel drives it (a
// plain TCP socket handed to connect()), against a real MtlsListener on 127.0.0.1:0 with real
// certificates: which name is checked and sent, what comes back, which ticket is offered where.
// (test/tls/session-resumption.test.ts covers the same credentials through whole gRPC calls.)
import { CallCredentials, Metadata } from '@grpc/grpc-js';
import { clientTls } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { dial, kvServer, refusal } from '../../test/helpers/secure-connector';
import { ClientTlsMaterial, createClientCredentials } from './client-credentials';
import { ResumingChannelCredentials } from './resuming-credentials';

describe('ResumingChannelCredentials', () => {
  const tmp = tempDir();
  let server: Awaited<ReturnType<typeof kvServer>>;
  let alice: ClientTlsMaterial;
  const credentials = (extra: Partial<ClientTlsMaterial> = {}) =>
    createClientCredentials({ ...alice, ...extra }) as ResumingChannelCredentials;
  beforeAll(async () => {
    server = await kvServer(`${tmp.dir}/pki`);
    alice = clientTls(server.pki, 'alice');
  });
  afterEach(() => (server.seen.length = 0));
  afterAll(async () => {
    await server.listener.close();
    tmp.cleanup();
  });

  it('connects as grpc-js does: the target host as server name (SNI) and identity, ALPN h2, a secure result', async () => {
    const c = credentials();
    expect(await dial(c, server.port, 'dns:kv.corp:443')).toEqual({ secure: true, resumed: false });
    expect(server.seen).toEqual([{ servername: 'kv.corp', alpn: 'h2' }]);
    // The certificate is not for 127.0.0.1: the name dialed is checked, and the connection refused.
    expect(await refusal(c, server.port, 'dns:127.0.0.1:443')).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(c.stats).toEqual({ connections: 1, resumed: 0 });
  });

  it('with grpc.ssl_target_name_override, checks and sends that name instead of the host dialed', async () => {
    const c = credentials();
    expect(await dial(c, server.port, 'dns:127.0.0.1:443', { 'grpc.ssl_target_name_override': 'kv.corp' })).toEqual({
      secure: true,
      resumed: false,
    });
    expect(server.seen).toEqual([{ servername: 'kv.corp', alpn: 'h2' }]);
    const wrongName = await refusal(c, server.port, 'dns:kv.corp:443', { 'grpc.ssl_target_name_override': 'db.corp' });
    expect(wrongName).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: "Host: db.corp. is not in the cert's altnames: DNS:kv.corp, URI:spiffe://corp/service/kv",
    });
  });

  it('sends no server name for an IP address (RFC 6066 allows host names only), and still checks the address', async () => {
    const c = credentials({ serverId: 'spiffe://corp/service/kv' });
    expect(await dial(c, server.port, 'dns:127.0.0.1:443')).toEqual({ secure: true, resumed: false });
    expect(await dial(c, server.port, 'dns:kv.corp:443', { 'grpc.ssl_target_name_override': '127.0.0.1' })).toEqual({
      secure: true,
      resumed: false,
    });
    expect(server.seen).toEqual([
      { servername: false, alpn: 'h2' },
      { servername: false, alpn: 'h2' },
    ]);
    // Tickets are still kept per address checked, though none is sent.
    const as = (address: string) => ({ 'grpc.ssl_target_name_override': address });
    expect(await dial(c, server.port, 'dns:kv.corp:443', as('10.0.0.2'))).toEqual({ secure: true, resumed: false });
    expect(await dial(c, server.port, 'dns:kv.corp:443', as('10.0.0.3'))).toEqual({ secure: true, resumed: false });
    expect(await dial(c, server.port, 'dns:kv.corp:443', as('10.0.0.2'))).toEqual({ secure: true, resumed: true });
    // Without serverId the address is the identity checked: the certificate has no IP address SAN.
    expect(await refusal(credentials(), server.port, 'dns:kv.corp:443', { 'grpc.ssl_target_name_override': '127.0.0.1' })).toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      reason: expect.stringContaining('IP: 127.0.0.1 is not in the cert'),
    });
  });

  it('behind an HTTP CONNECT proxy (grpc.http_connect_target), checks the real target, not the proxy', async () => {
    const c = credentials();
    const viaProxy = { 'grpc.http_connect_target': 'dns:///kv.corp:443' };
    expect(await dial(c, server.port, 'dns:proxy.corp:3128', viaProxy)).toEqual({ secure: true, resumed: false });
    expect(server.seen).toEqual([{ servername: 'kv.corp', alpn: 'h2' }]);
  });

  it('resumes per target name: each name offered its own ticket only', async () => {
    const c = credentials({ serverId: 'spiffe://corp/service/kv' });
    const as = (name: string) => ({ 'grpc.ssl_target_name_override': name });
    expect(await dial(c, server.port, 'dns:127.0.0.1:443', as('a.corp'))).toEqual({ secure: true, resumed: false });
    expect(await dial(c, server.port, 'dns:127.0.0.1:443', as('b.corp'))).toEqual({ secure: true, resumed: false });
    expect(await dial(c, server.port, 'dns:127.0.0.1:443', as('a.corp'))).toEqual({ secure: true, resumed: true });
    expect(await dial(c, server.port, 'dns:127.0.0.1:443', as('b.corp'))).toEqual({ secure: true, resumed: true });
    expect(c.stats).toEqual({ connections: 4, resumed: 2 });
  });

  it('keeps the tickets of the last 256 target names: the oldest is forgotten first', async () => {
    const c = credentials({ serverId: 'spiffe://corp/service/kv' });
    const as = (i: number) => ({ 'grpc.ssl_target_name_override': `t${i}.corp` });
    for (let i = 0; i <= 256; i++) await dial(c, server.port, 'dns:127.0.0.1:443', as(i));
    expect(c.stats).toEqual({ connections: 257, resumed: 0 });
    expect((await dial(c, server.port, 'dns:127.0.0.1:443', as(1))).resumed).toBe(true);
    expect((await dial(c, server.port, 'dns:127.0.0.1:443', as(256))).resumed).toBe(true);
    expect((await dial(c, server.port, 'dns:127.0.0.1:443', as(0))).resumed).toBe(false);
  }, 60_000);

  it('is secure (so call credentials compose with it) and equal only to itself (grpc-js shares subchannels by it)', () => {
    const c = credentials();
    const composed = c.compose(CallCredentials.createFromMetadataGenerator((_params, cb) => cb(null, new Metadata())));
    expect(composed._isSecure()).toBe(true);
    expect(c._isSecure()).toBe(true);
    expect(c._equals(c)).toBe(true);
    expect(c._equals(credentials())).toBe(false);
  });
});
