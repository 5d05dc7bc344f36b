// The identity stage's expiry check at its boundary, behind grpc-js's own TLS listener (which resumes
// TLS sessions without looking at the certificate again, so this check is what refuses a certificate
// that expired since its full handshake). The clock the stage reads is set to the exact millisecond;
// the TLS handshakes happen on the real clock, long before the certificate's notAfter.
//
// The boundary is OpenSSL's, which decides every full handshake in this process: a certificate is
// expired AT its notAfter (X509_cmp_time counts "equal" as before the check time: `openssl verify
// -attime NOTAFTER` says "certificate has expired"), although RFC 5280 4.1.2.5 calls the validity
// period inclusive. A resumed session must not get a second that a full handshake would not.
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { clientTls, demoPki, issue } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { allowAllAuthenticated } from '../authz/compiled-policy';
import { echoService } from '../demo/echo-service';
import { EchoClient } from '../gen/demo/v1/echo';
import { CertrpcInterceptor, createInterceptor } from '../server/create-interceptor';
import { PkiDir } from '../store/pki-dir';
import { createClientCredentials } from '../tls/client-credentials';

describe('the identity stage refuses a certificate from its notAfter on', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: grpc.Server;
  let interceptor: CertrpcInterceptor;
  let port: number;
  /** frank's notAfter, a whole second (X.509 times have no fractions), a day from now. */
  const notAfter = Math.floor(Date.now() / 1000) * 1000 + 86_400_000;

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    await issue(pki, 'frank', { validity: { notBefore: new Date(Date.now() - 60_000), notAfter: new Date(notAfter) } });
    interceptor = createInterceptor({ policy: allowAllAuthenticated(), audit: { mode: 'none' } });
    server = new grpc.Server({ interceptors: [interceptor] });
    const echo = echoService();
    server.addService(echo.definition, echo.implementation);
    const credentials = grpc.ServerCredentials.createSsl(
      readFileSync(pki.caCertFile),
      [{ cert_chain: readFileSync(pki.certFile('server')), private_key: readFileSync(pki.keyFile('server')) }],
      true,
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => {
    server?.forceShutdown();
    interceptor?.close();
    tmp.cleanup();
  });

  /** One call on a connection of its own (the stage reads the certificate at a connection's first call), with the clock at `at`. */
  async function sayAt(at: number): Promise<grpc.ServiceError | undefined> {
    const client = new EchoClient(`127.0.0.1:${port}`, createClientCredentials(clientTls(pki, 'frank')), {
      'grpc.use_local_subchannel_pool': 1,
    });
    try {
      // Connected on the real clock first: the handshake is OpenSSL's business, the call the stage's.
      await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve())));
      jest.spyOn(Date, 'now').mockReturnValue(at);
      return await new Promise((resolve) => client.say({ message: 'x' }, (err) => resolve(err ?? undefined)));
    } finally {
      jest.restoreAllMocks();
      client.close();
    }
  }

  it('admits it one millisecond before its notAfter', async () => {
    expect(await sayAt(notAfter - 1)).toBeUndefined();
  });

  it('refuses it AT its notAfter millisecond (UNAUTHENTICATED, expired), as OpenSSL refuses the handshake then', async () => {
    const err = await sayAt(notAfter);
    expect(err?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(err?.details).toMatch(/expired/);
  });
});
