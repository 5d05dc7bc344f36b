// createInterceptor() in a plain grpc-js Server bound with ServerCredentials.createSsl: calls that
// arrive while the CRL file is still loading wait for it and are then decided on it (never let
// through unchecked; refused if it cannot be loaded), and a stage that throws is logged with its
// method. Real PKI, real CRL files, real TLS on 127.0.0.1:0, real grpc-js clients. The CRL load is
// the real one, held back until the calls have reached the gate (a probe interceptor tells when).
import * as grpc from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { capturingLogger } from '../../test/helpers/captured-log';
import { eventually } from '../../test/helpers/eventually';
import { clientTls, demoPki, issue } from '../../test/helpers/pki';
import { tempDir } from '../../test/helpers/temp-dir';
import { allowAllAuthenticated } from '../authz/compiled-policy';
import { echoService } from '../demo/echo-service';
import { EchoClient } from '../gen/demo/v1/echo';
import { revokeCertificate } from '../lifecycle/revoke';
import type { CallEnd, CallStage } from '../gate/call-context';
import type { Logger } from '../log/logger';
import { PkiDir } from '../store/pki-dir';
import { createClientCredentials } from '../tls/client-credentials';
import * as tlsMaterialFiles from '../tls/tls-material-files';
import { CertrpcInterceptor, createInterceptor } from './create-interceptor';

describe('createInterceptor behind ServerCredentials.createSsl: calls while the CRL loads, failing stages', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  const running: { server: grpc.Server; interceptor: CertrpcInterceptor }[] = [];

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    await issue(pki, 'gil');
    await revokeCertificate(pki, { name: 'gil' });
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => {
    for (const { server, interceptor } of running) {
      server.forceShutdown();
      interceptor.close();
    }
    tmp.cleanup();
  });

  /**
   * A server whose CRL load (the real one) starts only once `calls` requests have reached the gate:
   * a probe interceptor, inside the gate, counts each request's metadata as the gate receives it.
   */
  async function serveHoldingTheCrl(
    crlFile: string,
    calls: number,
    logger: Logger,
  ): Promise<{ port: number; interceptor: CertrpcInterceptor }> {
    let arrived = 0;
    let allArrived!: () => void;
    const hold = new Promise<void>((resolve) => (allArrived = resolve));
    const realLoad = tlsMaterialFiles.loadRevocation;
    jest.spyOn(tlsMaterialFiles, 'loadRevocation').mockImplementation(async (...args) => {
      await hold;
      return realLoad(...args);
    });
    const interceptor = createInterceptor({
      policy: allowAllAuthenticated(),
      audit: { mode: 'none' },
      clientCaFiles: [pki.caCertFile],
      crlFile,
      logger,
    });
    // The gate is the outer interceptor: the metadata passes the probe first, then (at once) the gate's
    // stages, up to the revocation stage that waits for the CRL.
    const probe: grpc.ServerInterceptor = (_method, call) =>
      new grpc.ServerInterceptingCall(call, {
        start: (next) =>
          next({
            onReceiveMetadata: (metadata, nextMetadata) => {
              nextMetadata(metadata);
              if (++arrived === calls) allArrived();
            },
          }),
      });
    return { port: await listen([probe, interceptor], interceptor), interceptor };
  }

  async function listen(interceptors: grpc.ServerInterceptor[], interceptor: CertrpcInterceptor): Promise<number> {
    const server = new grpc.Server({ interceptors });
    const echo = echoService();
    server.addService(echo.definition, echo.implementation);
    running.push({ server, interceptor });
    const credentials = grpc.ServerCredentials.createSsl(
      readFileSync(pki.caCertFile),
      [{ cert_chain: readFileSync(pki.certFile('server')), private_key: readFileSync(pki.keyFile('server')) }],
      true,
    );
    return new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))));
  }

  function say(port: number, who: string): Promise<grpc.ServiceError | undefined> {
    const client = new EchoClient(`127.0.0.1:${port}`, createClientCredentials(clientTls(pki, who)), {
      'grpc.use_local_subchannel_pool': 1,
    });
    return new Promise<grpc.ServiceError | undefined>((resolve) =>
      client.say({ message: 'x' }, (err) => resolve(err ?? undefined)),
    ).finally(() => client.close());
  }

  it('a call that arrives while the CRL is loading waits for it, and is then decided on it', async () => {
    const { port, interceptor } = await serveHoldingTheCrl(pki.crlFile, 2, capturingLogger().logger);
    const [alice, gil] = await Promise.all([say(port, 'alice'), say(port, 'gil')]);
    await interceptor.ready;
    expect(alice).toBeUndefined();
    expect(gil?.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(gil?.details).toMatch(/was revoked/);
  });

  it('a call that waited for a CRL that then cannot be loaded is refused (UNAVAILABLE), not let through', async () => {
    const broken = join(tmp.dir, 'broken-crl.pem');
    writeFileSync(broken, '-----BEGIN X509 CRL-----\nnot a crl\n-----END X509 CRL-----\n');
    const { port, interceptor } = await serveHoldingTheCrl(broken, 1, capturingLogger().logger);
    const alice = await say(port, 'alice');
    await expect(interceptor.ready).rejects.toThrow();
    expect(alice?.code).toBe(grpc.status.UNAVAILABLE);
    expect(alice?.details).toMatch(/revocation/);
  });

  it("a stage's onEnd hears how the call ended, also with no end observers at all (no crlFile, no metrics)", async () => {
    const ends: CallEnd[] = [];
    const listening: CallStage = (ctx) => ctx.onEnd((end) => ends.push(end));
    const interceptor = createInterceptor({ policy: allowAllAuthenticated(), audit: { mode: 'none' }, stages: [listening] });
    const port = await listen([interceptor], interceptor);
    expect(await say(port, 'alice')).toBeUndefined();
    await eventually(() => ends.length > 0, 'the end of the call');
    expect(ends).toMatchObject([{ code: grpc.status.OK }]);
  });

  it('a stage that throws ends the call with INTERNAL and is logged as an error with the method', async () => {
    const log = capturingLogger();
    const broken: CallStage = () => {
      throw new Error('the stage broke');
    };
    const interceptor = createInterceptor({
      policy: allowAllAuthenticated(),
      audit: { mode: 'none' },
      logger: log.logger,
      stages: [broken],
    });
    const port = await listen([interceptor], interceptor);
    const err = await say(port, 'alice');
    expect(err?.code).toBe(grpc.status.INTERNAL);
    const line = log.lines.find((l) => l.level === 50);
    expect(line).toMatchObject({ method: '/demo.v1.Echo/Say', err: { message: 'the stage broke' } });
    expect(line?.msg).toMatch(/stage/);
  });
});
