// The call gate, the identity stage and the caller, on a real server in this process: real
// certificates, mTLS on 127.0.0.1:0, real grpc-js clients (and one hand-written HTTP/2 call).
import { credentials, Metadata, Server, ServerCredentials, ServiceError, status as Status } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { clientTls, demoPki, issue } from '../../test/helpers/pki';
import { eventually } from '../../test/helpers/eventually';
import { rawGrpcCall } from '../../test/helpers/raw-grpc';
import { tempDir } from '../../test/helpers/temp-dir';
import { createClient } from '../client/create-client';
import { EchoClient, EchoServer, EchoService } from '../gen/demo/v1/echo';
import { IdentityClient, WhoAmIResponse } from '../gen/certrpc/v1/identity';
import { normalizeSerial } from '../pki/serial';
import { PkiDir } from '../store/pki-dir';
import { CallContext, CallEnd, Rejection } from './call-context';
import { allowAllAuthenticated } from '../authz/compiled-policy';
import { Caller, callerOf } from './caller';
import { createCallGate } from './interceptor';
import { ServerMetrics } from '../metrics/server-metrics';
import { CertrpcServer, createServer } from '../server/create-server';

const SAY = '/demo.v1.Echo/Say';

describe('the call gate on a real server', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: CertrpcServer;
  let address: string;
  /** What each stage, observer and handler saw, per test. */
  let seen: {
    stage: string[];
    observed: [string, Rejection | undefined, string | undefined][];
    ends: [string, CallEnd][];
    callers: Caller[];
  };
  /** The rejection the second stage returns for a caller with this CN. */
  const rejectCn = new Map<string, Rejection>();
  let handlerFails: ServiceError | undefined;
  const metrics = new ServerMetrics({ processMetrics: false });

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    // Two certificates with one CN: the server must tell them apart (serial, fingerprint).
    await issue(pki, 'alice-2', { commonName: 'alice' });
    const echo: EchoServer = {
      say(call, callback) {
        seen.callers.push(callerOf(call));
        if (handlerFails) return callback(handlerFails);
        callback(null, { message: call.request.message, index: 0 });
      },
      repeat(call) {
        call.end();
      },
      collect(_call, callback) {
        callback(null, { message: '', index: 0 });
      },
      chat(call) {
        call.on('data', () => call.write({ message: 'pong', index: 0 }));
      },
    };
    const id = pki.loadIdentity('server');
    server = createServer({
      tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
      services: [{ definition: EchoService, implementation: echo }],
      // Every authenticated caller may call (the gate's stages and observers are the point here), with no roles.
      policy: allowAllAuthenticated(),
      stages: [
        (ctx: CallContext) => {
          seen.stage.push(`first ${ctx.method} ${ctx.caller?.identity.commonName}`);
          ctx.onEnd((end) => seen.ends.push([ctx.method, end]));
        },
        (ctx: CallContext) => rejectCn.get(ctx.caller!.identity.commonName),
        (ctx: CallContext) => void seen.stage.push(`third ${ctx.method}`),
      ],
      observers: [(ctx, rejection) => seen.observed.push([ctx.method, rejection, ctx.caller?.identity.commonName])],
      // Its end observer is the gate's third list: it must hear of every call's end too.
      metrics,
    });
    address = `127.0.0.1:${(await server.listen('127.0.0.1', 0)).port}`;
  });
  beforeEach(() => {
    seen = { stage: [], observed: [], ends: [], callers: [] };
    rejectCn.clear();
    handlerFails = undefined;
  });
  afterAll(async () => {
    await server.shutdown(1000);
    tmp.cleanup();
  });

  function echo(name: string) {
    const client = createClient(EchoClient, address, { tls: clientTls(pki, name) });
    const say = (message = 'hi') =>
      new Promise<{ err: ServiceError | null; message?: string }>((resolve) =>
        client.say({ message }, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => resolve({ err, message: res?.message })),
      );
    return { client, say };
  }

  const whoAmI = (name: string) => {
    const client = createClient(IdentityClient, address, { tls: clientTls(pki, name) });
    return new Promise<WhoAmIResponse>((resolve, reject) =>
      client.whoAmI({}, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res!);
      }),
    );
  };

  it('hands the handler the caller: identity from the verified certificate, no roles yet, the peer address', async () => {
    const { client, say } = echo('alice');
    try {
      expect(await say('one')).toEqual({ err: null, message: 'one' });
      expect(await say('two')).toEqual({ err: null, message: 'two' });
      const cert = new X509Certificate(clientTls(pki, 'alice').certPem!);
      const [first, second] = seen.callers;
      expect(first.identity).toMatchObject({
        commonName: 'alice',
        subject: 'CN=alice',
        serial: normalizeSerial(cert.serialNumber),
        fingerprint: cert.fingerprint256,
        issuer: 'CN=certrpc demo CA',
      });
      expect(first.identity.issuingCa?.subject).toBe('CN=certrpc demo CA');
      expect(first.roles).toEqual([]);
      expect(Object.isFrozen(first.roles)).toBe(true);
      expect(first.peer).toMatch(/^127\.0\.0\.1:\d+$/);
      // One connection, one certificate: the identity is parsed once and shared.
      expect(second.identity).toBe(first.identity);
      expect(second.peer).toBe(first.peer);
    } finally {
      client.close();
    }
  });

  it('two certificates with the same CN are two identities (serial and fingerprint of each)', async () => {
    const [a, b] = [await whoAmI('alice'), await whoAmI('alice-2')];
    const certA = new X509Certificate(clientTls(pki, 'alice').certPem!);
    const certB = new X509Certificate(clientTls(pki, 'alice-2').certPem!);
    expect(a).toMatchObject({
      commonName: 'alice',
      serial: normalizeSerial(certA.serialNumber),
      fingerprintSha256: certA.fingerprint256.toLowerCase(),
    });
    expect(b).toMatchObject({
      commonName: 'alice',
      serial: normalizeSerial(certB.serialNumber),
      fingerprintSha256: certB.fingerprint256.toLowerCase(),
    });
    expect(a.serial).not.toBe(b.serial);
    // And again, in the other order, after both are cached.
    expect((await whoAmI('alice-2')).serial).toBe(b.serial);
    expect((await whoAmI('alice')).serial).toBe(a.serial);
  });

  it('runs the stages in order; the first rejection ends the call with its status, later stages and the handler never run', async () => {
    rejectCn.set('bob', { code: Status.PERMISSION_DENIED, details: 'bob may not' });
    const bob = echo('bob');
    const alice = echo('alice');
    try {
      const denied = await bob.say();
      expect(denied.err?.code).toBe(Status.PERMISSION_DENIED);
      expect(denied.err?.details).toBe('bob may not');
      expect(seen.stage).toEqual([`first ${SAY} bob`]);
      expect(seen.callers).toEqual([]);
      expect(seen.observed).toEqual([[SAY, { code: Status.PERMISSION_DENIED, details: 'bob may not' }, 'bob']]);
      expect((await alice.say()).err).toBeNull();
      expect(seen.stage).toEqual([`first ${SAY} bob`, `first ${SAY} alice`, `third ${SAY}`]);
      expect(seen.observed[1]).toEqual([SAY, undefined, 'alice']);
      expect(seen.ends.map(([m, e]) => [m, e.code, e.details])).toEqual([
        [SAY, Status.PERMISSION_DENIED, 'bob may not'],
        [SAY, Status.OK, 'OK'],
      ]);
      const counted = await metrics.registry.getSingleMetricAsString('certrpc_calls_total');
      expect(counted).toMatch(/certrpc_calls_total\{method="\/demo\.v1\.Echo\/Say",code="PERMISSION_DENIED",role="[^"]*"\} [1-9]/);
      expect(counted).toMatch(/certrpc_calls_total\{method="\/demo\.v1\.Echo\/Say",code="OK",role="[^"]*"\} [1-9]/);
      // A duration from the call's arrival to its end: at least 0, and less than the process has lived.
      for (const [, end] of seen.ends) {
        expect(end.durationMs).toBeGreaterThanOrEqual(0);
        expect(end.durationMs).toBeLessThanOrEqual(performance.now());
      }
    } finally {
      bob.client.close();
      alice.client.close();
    }
  });

  it("tells end observers the handler's status, and CANCELLED when the client went away", async () => {
    handlerFails = Object.assign(new Error('nope'), { code: Status.FAILED_PRECONDITION, details: 'not now' }) as ServiceError;
    const alice = echo('alice');
    try {
      const failed = await alice.say();
      expect(failed.err?.code).toBe(Status.FAILED_PRECONDITION);
      await new Promise<void>((resolve) => {
        const stream = alice.client.chat();
        stream.on('error', () => undefined);
        stream.once('data', () => {
          stream.cancel();
          resolve();
        });
        stream.write({ message: 'ping' });
      });
      await eventually(() => seen.ends.length >= 2, 'both calls to end');
      expect(seen.ends.map(([m, e]) => [m, e.code, e.details])).toEqual([
        [SAY, Status.FAILED_PRECONDITION, 'not now'],
        ['/demo.v1.Echo/Chat', Status.CANCELLED, 'cancelled by the client, or the connection was lost'],
      ]);
    } finally {
      alice.client.close();
    }
  });

  it('answers a request without a message INTERNAL (not UNIMPLEMENTED), and end observers see that status', async () => {
    const outcome = await rawGrpcCall(address, clientTls(pki, 'alice'), SAY, Buffer.alloc(0));
    expect(outcome.grpcStatus).toBe(Status.INTERNAL);
    expect(outcome.grpcMessage).toMatch(/^the request ended without a complete message/);
    await eventually(() => seen.ends.length >= 1, 'the call to end');
    expect(seen.ends[0][1]).toMatchObject({ code: Status.INTERNAL });
  });
});

describe('the call gate without a caller', () => {
  it('refuses a call its identity stage let through without naming a caller: UNAUTHENTICATED, and the handler never runs', async () => {
    // A belt for identity stages other than certrpc's (which always names a caller or refuses).
    // Plain TCP: the gate's own contract is under test here, not the TLS layer.
    let handled = 0;
    const grpcServer = new Server({ interceptors: [createCallGate({ identity: () => undefined })] });
    grpcServer.addService(EchoService, {
      say: (_call: unknown, callback: (err: null, res: { message: string; index: number }) => void) => {
        handled++;
        callback(null, { message: 'never', index: 0 });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      grpcServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    const client = new EchoClient(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const err = await new Promise<ServiceError | null>((resolve) =>
        client.say({ message: 'hi' }, new Metadata(), { deadline: Date.now() + 10_000 }, (e) => resolve(e)),
      );
      expect({ code: err?.code, details: err?.details }).toEqual({
        code: Status.UNAUTHENTICATED,
        details: 'no caller identity for this call: the identity stage set none',
      });
      expect(handled).toBe(0);
    } finally {
      client.close();
      grpcServer.forceShutdown();
    }
  });
});
