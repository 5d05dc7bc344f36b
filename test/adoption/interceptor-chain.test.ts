// certrpc's gate among other grpc-js interceptors: one before it and one after it, each built the
// way grpc-js documents (ServerInterceptingCall with a listener and a responder). The gate is its
// own intercepting call, not grpc-js's class, so this pins that it passes everything through in
// both directions: request messages and half-close up to the handler (unary and bidi), response
// metadata, messages and status down to the client, rewritten by the interceptors on the way; and
// that a call the gate refuses reaches neither the interceptor after it nor the handler.
import * as grpc from '@grpc/grpc-js';
import { Metadata, ServerInterceptingCall, ServerInterceptor, ServiceError, status as Status } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { createClient } from '../../src/client/create-client';
import { callerOf, createInterceptor, CertrpcInterceptor } from '../../src/entry/server';
import { EchoClient, EchoServer, EchoService, SayResponse } from '../../src/gen/demo/v1/echo';
import { PkiDir } from '../../src/store/pki-dir';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

describe('the gate between other grpc-js interceptors', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: grpc.Server;
  let gate: CertrpcInterceptor;
  let address: string;
  /** What each interceptor and the handler saw, in order. */
  const seen: string[] = [];

  /** Records request messages; marks the status details on the way out. */
  const before: ServerInterceptor = (_method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message: { message: string }, nextMessage) {
            seen.push(`before got ${message.message}`);
            nextMessage(message);
          },
        });
      },
      sendStatus(status, next) {
        next({ ...status, details: `${status.details} [before]` });
      },
    });

  /** Sees the metadata only if the gate let the call through; rewrites what the handler sends. */
  const after: ServerInterceptor = (method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, nextMetadata) {
            seen.push(`after admitted ${method.path}`);
            nextMetadata(metadata);
          },
          onReceiveHalfClose(nextHalfClose) {
            seen.push('after half-close');
            nextHalfClose();
          },
        });
      },
      sendMetadata(metadata, next) {
        metadata.set('x-after', 'yes');
        next(metadata);
      },
      sendMessage(message: SayResponse, next) {
        next({ ...message, message: message.message.toUpperCase() });
      },
      sendStatus(status, next) {
        next({ ...status, details: `${status.details} [after]` });
      },
    });

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    gate = createInterceptor({
      policy: allowAllAuthenticated(),
      audit: { mode: 'none' },
      stages: [(ctx) => (ctx.caller.identity.commonName === 'bob' ? { code: Status.PERMISSION_DENIED, details: 'not bob' } : undefined)],
    });
    server = new grpc.Server({ interceptors: [before, gate, after] });
    const echo: EchoServer = {
      say(call, callback) {
        seen.push(`handler say ${call.request.message} from ${callerOf(call).identity.commonName}`);
        callback(null, { message: `${call.request.message} from ${callerOf(call).identity.commonName}`, index: 0 });
      },
      repeat(call) {
        call.end();
      },
      collect(_call, callback) {
        callback(null, { message: '', index: 0 });
      },
      chat(call) {
        call.on('data', (m: { message: string }) => call.write({ message: `${m.message}!`, index: 0 }));
        call.on('end', () => call.end());
      },
    };
    server.addService(EchoService, echo);
    const credentials = grpc.ServerCredentials.createSsl(
      readFileSync(pki.caCertFile),
      [{ cert_chain: readFileSync(pki.certFile('server')), private_key: readFileSync(pki.keyFile('server')) }],
      true,
    );
    address = `127.0.0.1:${await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    )}`;
  });
  beforeEach(() => {
    seen.length = 0;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    gate.close();
    tmp.cleanup();
  });

  function say(name: string, message: string) {
    const client = createClient(EchoClient, address, { tls: clientTls(pki, name) });
    return new Promise<{ err: ServiceError | null; message?: string; header?: string; details?: string }>((resolve) => {
      let header: string | undefined;
      const call = client.say({ message }, new Metadata(), { deadline: Date.now() + 10_000 }, (err, res) => {
        client.close();
        resolve({ err, message: res?.message, header, details: err?.details });
      });
      call.on('metadata', (m: Metadata) => (header = m.get('x-after')[0] as string | undefined));
    });
  }

  it('a unary call goes up through all three to the handler and its answer down through all three', async () => {
    const answer = await say('alice', 'hi');
    expect(answer).toEqual({ err: null, message: 'HI FROM ALICE', header: 'yes', details: undefined });
    expect(seen).toEqual(['after admitted /demo.v1.Echo/Say', 'before got hi', 'after half-close', 'handler say hi from alice']);
  });

  it('a bidi stream: every message up and every answer down, in order, then the status through both', async () => {
    const client = createClient(EchoClient, address, { tls: clientTls(pki, 'alice') });
    const call = client.chat(new Metadata(), { deadline: Date.now() + 10_000 });
    const answers: string[] = [];
    call.on('data', (m: SayResponse) => answers.push(m.message));
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    for (const m of ['a', 'b', 'c']) call.write({ message: m });
    call.end();
    const ended = await status;
    client.close();
    expect(answers).toEqual(['A!', 'B!', 'C!']);
    expect(ended.code).toBe(Status.OK);
    expect(ended.details).toBe('OK [after] [before]');
    expect(seen).toEqual(['after admitted /demo.v1.Echo/Chat', 'before got a', 'before got b', 'before got c', 'after half-close']);
  });

  it('a call the gate refuses: its status goes out through the interceptor before it; the one after it and the handler never see it', async () => {
    const answer = await say('bob', 'hi');
    expect(answer.err?.code).toBe(Status.PERMISSION_DENIED);
    expect(answer.details).toBe('not bob [before]');
    expect(seen).toEqual([]);
  });
});
