// The HTTP/2 side of certrpc's connections, over real sockets: sessions behind certrpc's own TLS
// listener (injected into grpc-js) advertise exactly what grpc-js's own listener advertises, and
// the ping policy tells a client that pings while it receives a stream (grpc-go and gRPC C-core
// clients probe bandwidth that way) from one that pings in a loop.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ClientHttp2Session, connect, constants, Settings } from 'node:http2';
import { join } from 'node:path';
import { authorization, Authorization } from '../../src/authz/authorization';
import { echoService } from '../../src/demo/echo-service';
import { RepeatRequest } from '../../src/gen/demo/v1/echo';
import { CertrpcServer, createServer } from '../../src/server/create-server';
import { grpcOptionsOf, resolveLimits } from '../../src/server/limits';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { clientTls, demoPki } from '../helpers/pki';
import { grpcFrame } from '../helpers/raw-grpc';
import { tempDir } from '../helpers/temp-dir';

const KiB = 1024;

function open(port: number, tls: ClientTlsMaterial): Promise<ClientHttp2Session> {
  const session = connect(`https://127.0.0.1:${port}`, { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, servername: 'localhost' });
  session.on('error', () => undefined);
  return new Promise((resolve) => session.once('remoteSettings', () => resolve(session)));
}

/** Resolves with the GOAWAY the server sends on this session, if it sends one. */
function goawayOf(session: ClientHttp2Session): {
  received: () => { code: number; data: string } | undefined;
  next: Promise<{ code: number; data: string }>;
} {
  let received: { code: number; data: string } | undefined;
  const next = new Promise<{ code: number; data: string }>((resolve) =>
    session.on('goaway', (code, _last, data) => {
      received = { code, data: data?.toString() ?? '' };
      resolve(received);
    }),
  );
  return { received: () => received, next };
}

const ping = (session: ClientHttp2Session) =>
  new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));

describe('HTTP/2 sessions behind certrpc’s TLS listener', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let authz: Authorization;
  let certrpc: CertrpcServer;
  let certrpcPort: number;
  let alice: ClientTlsMaterial;

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    alice = clientTls(pki, 'alice');
    authz = authorization({ policyFile: join(__dirname, '..', '..', 'policy.yaml'), audit: { mode: 'none' }, watch: false });
    const id = pki.loadIdentity('server');
    certrpc = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [echoService()],
      authorization: authz,
    });
    certrpcPort = (await certrpc.listen('127.0.0.1', 0)).port;
  });
  afterAll(async () => {
    await certrpc.shutdown(1000);
    authz.close();
    tmp.cleanup();
  });

  it('advertise the same HTTP/2 settings as grpc-js’s own TLS listener with the same options', async () => {
    const id = pki.loadIdentity('server');
    const bare = new Server(grpcOptionsOf(resolveLimits()));
    const credentials = ServerCredentials.createSsl(
      Buffer.from(id.caPem),
      [{ cert_chain: Buffer.from(id.certPem), private_key: Buffer.from(id.keyPem) }],
      true,
    );
    const barePort = await new Promise<number>((resolve, reject) =>
      bare.bindAsync('127.0.0.1:0', credentials, (err, port) => (err ? reject(err) : resolve(port))),
    );
    try {
      const settingsOf = async (port: number): Promise<Settings> => {
        const session = await open(port, alice);
        const settings = session.remoteSettings;
        session.destroy();
        return settings;
      };
      const [own, grpcJs] = [await settingsOf(certrpcPort), await settingsOf(barePort)];
      expect(own).toEqual(grpcJs);
      // The limit certrpc sets reaches the peer: proof these are the configured sessions, not defaults.
      expect(own.maxConcurrentStreams).toBe(resolveLimits().maxConcurrentStreams);
    } finally {
      bare.forceShutdown();
    }
  });

  it('keep a connection whose client pings while it receives a long stream (bandwidth probes), and deliver the stream whole', async () => {
    const session = await open(certrpcPort, alice);
    const goaway = goawayOf(session);
    const messages = 100;
    const size = 64 * KiB;
    // Like grpc-go's BDP estimator: one ping in flight, a new one when data arrives after its ack.
    let pings = 0;
    let pingInFlight = false;
    const probe = () => {
      if (pingInFlight || session.closed || session.destroyed) return;
      pingInFlight = true;
      pings++;
      session.ping(() => (pingInFlight = false));
    };
    const outcome = await new Promise<{ status?: string; bytes: number }>((resolve) => {
      const stream = session.request({
        ':method': 'POST',
        ':path': '/demo.v1.Echo/Repeat',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      let bytes = 0;
      let status: string | undefined;
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        probe();
      });
      stream.on('trailers', (headers) => (status = String(headers['grpc-status'])));
      stream.on('error', () => undefined);
      stream.on('close', () => resolve({ status, bytes }));
      stream.end(grpcFrame(Buffer.from(RepeatRequest.encode({ message: 'x', repeat: messages, sizeBytes: size }).finish())));
    });
    session.destroy();
    expect(goaway.received()).toBeUndefined();
    expect(outcome.status).toBe('0');
    expect(outcome.bytes).toBeGreaterThan(messages * size);
    // Far more pings than the policy's strikes (2) within its interval (10 s): the case it must tell apart.
    expect(pings).toBeGreaterThan(10);
  });

  it('still send GOAWAY too_many_pings to a client that pings in a loop beside an open but silent stream', async () => {
    const session = await open(certrpcPort, alice);
    const goaway = goawayOf(session);
    const stream = session.request({
      ':method': 'POST',
      ':path': '/demo.v1.Echo/Chat',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    stream.on('error', () => undefined);
    await ping(session); // the stream's HEADERS are in before the loop starts
    for (let i = 0; i < 10 && !goaway.received(); i++) await ping(session).catch(() => undefined);
    if (!goaway.received()) await ping(session).catch(() => undefined); // frames arrive in order: a GOAWAY sent before it comes before this ACK
    expect(goaway.received()).toEqual({ code: constants.NGHTTP2_ENHANCE_YOUR_CALM, data: 'too_many_pings' });
    session.destroy();
  });

  it('still send GOAWAY too_many_pings when each ping comes with a SETTINGS frame (its ACK is no call traffic)', async () => {
    const session = await open(certrpcPort, alice);
    const goaway = goawayOf(session);
    for (let i = 0; i < 10 && !goaway.received(); i++) {
      // One at a time, each acknowledged: the server writes a SETTINGS ACK between any two pings.
      // (After the GOAWAY no ACK comes: the race ends the wait.)
      await Promise.race([new Promise<void>((resolve) => session.settings({ enablePush: false }, () => resolve())), goaway.next]);
      if (!goaway.received()) await ping(session).catch(() => undefined);
    }
    if (!goaway.received()) await ping(session).catch(() => undefined); // frames arrive in order: a GOAWAY sent before it comes before this ACK
    expect(goaway.received()).toEqual({ code: constants.NGHTTP2_ENHANCE_YOUR_CALM, data: 'too_many_pings' });
    session.destroy();
  });
});
