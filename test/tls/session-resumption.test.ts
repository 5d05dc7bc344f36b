// certrpc clients resume TLS sessions (grpc-js's own credentials never do), and resumption keeps
// the server's client-certificate semantics: a resumed connection is the same verified caller; a
// certificate revoked, or a CA dropped, since the ticket was issued meets the CRL and the trust
// bundle in a full handshake (the listener's ticket keys change with its TLS material); and a
// certificate that has expired since is refused, not resumed (OpenSSL does not look at it again).
import * as grpc from '@grpc/grpc-js';
import { Metadata, status as Status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { unary } from '../../src/client/unary';
import { echoService } from '../../src/demo/echo-service';
import { revokeCertificate } from '../../src/entry/lifecycle';
import { IdentityClient, IdentityService } from '../../src/gen/certrpc/v1/identity';
import { createInterceptor } from '../../src/server/create-interceptor';
import { identityService } from '../../src/server/identity-service';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { RefusedHandshake } from '../../src/tls/refusal-reasons';
import { createClientCredentials } from '../../src/tls/client-credentials';
import { ResumingChannelCredentials } from '../../src/tls/resuming-credentials';
import { eventually } from '../helpers/eventually';
import { clientTls, demoPki, issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(60_000);

describe('TLS session resumption', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;
  const refused: RefusedHandshake[] = [];
  const material = () => ({
    clientCaPem: readFileSync(pki.caCertFile, 'utf8'),
    certPem: readFileSync(pki.certFile('server'), 'utf8'),
    keyPem: readFileSync(pki.keyFile('server'), 'utf8'),
  });

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    server = createServer({
      tls: material(),
      services: [echoService()],
      policy: allowAllAuthenticated(),
      onRefusedHandshake: (r) => refused.push(r),
    });
    address = `127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}`;
  });
  afterAll(async () => {
    await server.shutdown(500);
    tmp.cleanup();
  });

  /** One call on a new channel (a new connection) made with these credentials: the caller the server saw. */
  async function whoAmI(credentials: ReturnType<typeof createClientCredentials>): Promise<{ cn: string; serial: string }> {
    const client = new IdentityClient(address, credentials, { 'grpc.use_local_subchannel_pool': 1 });
    try {
      const who = await unary(client, client.whoAmI, {}, new Metadata(), { deadline: Date.now() + 10_000 });
      return { cn: who.commonName, serial: who.serial };
    } finally {
      client.close();
    }
  }

  it('resumes on a new connection with the same credentials, as the same verified caller', async () => {
    const credentials = createClientCredentials(clientTls(pki, 'alice')) as ResumingChannelCredentials;
    const first = await whoAmI(credentials);
    const second = await whoAmI(credentials);
    expect(credentials.stats).toEqual({ connections: 2, resumed: 1 });
    expect(second).toEqual(first);
    expect(first.cn).toBe('alice');
  });

  it("never offers one server name's session to another name", async () => {
    const credentials = createClientCredentials(clientTls(pki, 'alice')) as ResumingChannelCredentials;
    await whoAmI(credentials);
    const byName = new EchoClient(address, credentials, {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.ssl_target_name_override': 'localhost',
    });
    await unary(byName, byName.say, { message: 'x' }, new Metadata(), { deadline: Date.now() + 10_000 });
    byName.close();
    expect(credentials.stats).toEqual({ connections: 2, resumed: 0 });
  });

  it('a certificate revoked after its session began is refused at the next connection, not resumed', async () => {
    await issue(pki, 'carol');
    const credentials = createClientCredentials(clientTls(pki, 'carol')) as ResumingChannelCredentials;
    expect((await whoAmI(credentials)).cn).toBe('carol');
    await revokeCertificate(pki, { name: 'carol' }, { reason: 'keyCompromise' });
    server.updateTls({ ...material(), crlPem: readFileSync(pki.crlFile, 'utf8') });
    const err = await whoAmI(credentials).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(err?.code).toBe(Status.UNAVAILABLE);
    expect(credentials.stats.resumed).toBe(0);
    expect(refused.map((r) => r.code)).toContain('CERT_REVOKED');
    // Everyone else goes on (and resumes again once they hold a ticket of the new keys).
    const alice = createClientCredentials(clientTls(pki, 'alice')) as ResumingChannelCredentials;
    await whoAmI(alice);
    await whoAmI(alice);
    expect(alice.stats.resumed).toBe(1);
  });

  it('a certificate that expired after its session began is refused, not resumed', async () => {
    const notAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    await issue(pki, 'dave', { validity: { notBefore: new Date(Date.now() - 60_000), notAfter } });
    const credentials = createClientCredentials(clientTls(pki, 'dave')) as ResumingChannelCredentials;
    expect((await whoAmI(credentials)).cn).toBe('dave');
    await eventually(() => Date.now() > notAfter.getTime() + 1000, 'the certificate to expire', 15_000);
    refused.length = 0;
    const err = await whoAmI(credentials).then(
      () => undefined,
      (e: { code: number }) => e,
    );
    expect(err?.code).toBe(Status.UNAVAILABLE);
    expect(refused.map((r) => r.code)).toContain('CERT_HAS_EXPIRED');
  });

  it("behind grpc-js's own listener (which resumes it), the gate refuses the calls of a certificate that expired after its session began", async () => {
    const notAfter = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
    await issue(pki, 'erin', { validity: { notBefore: new Date(Date.now() - 60_000), notAfter } });
    const interceptor = createInterceptor({ policy: allowAllAuthenticated() });
    const plain = new grpc.Server({ interceptors: [interceptor] });
    plain.addService(IdentityService, identityService as unknown as grpc.UntypedServiceImplementation);
    const credentials = grpc.ServerCredentials.createSsl(
      readFileSync(pki.caCertFile),
      [{ cert_chain: readFileSync(pki.certFile('server')), private_key: readFileSync(pki.keyFile('server')) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      plain.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))),
    );
    try {
      const erin = createClientCredentials(clientTls(pki, 'erin')) as ResumingChannelCredentials;
      const call = async () => {
        const client = new IdentityClient(`127.0.0.1:${port}`, erin, { 'grpc.use_local_subchannel_pool': 1 });
        try {
          return await unary(client, client.whoAmI, {}, new Metadata(), { deadline: Date.now() + 10_000 });
        } finally {
          client.close();
        }
      };
      expect((await call()).commonName).toBe('erin');
      await eventually(() => Date.now() > notAfter.getTime() + 1000, 'the certificate to expire', 15_000);
      const err = await call().then(
        () => undefined,
        (e: { code: number; details: string }) => e,
      );
      expect(erin.stats.resumed).toBe(1); // grpc-js's listener resumed it...
      expect(err).toMatchObject({ code: Status.UNAUTHENTICATED, details: expect.stringMatching(/has expired/) }); // ...the gate did not let it in
    } finally {
      plain.forceShutdown();
      interceptor.close();
    }
  });
});
