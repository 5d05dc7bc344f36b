// The caller's identity is resolved once per connection, not per call, behind grpc-js's own TLS
// listener (createInterceptor in a plain grpc-js Server bound with ServerCredentials.createSsl):
// Node's getPeerCertificate() rebuilds the certificate object on every call (~50 us), so the gate
// reads it at a connection's first call and keeps it. That is sound only while the connection's
// peer cannot change: a TLS 1.2 renegotiation must never succeed (Node's HTTP/2 server already
// closes such a connection; the gate also disables renegotiation on the socket at its first call).
import * as grpc from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';
import { callerOf, createInterceptor, CertrpcInterceptor } from '../../src/entry/server';
import { allowAllAuthenticated } from '../../src/authz/compiled-policy';
import { echoService } from '../../src/demo/echo-service';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { createClientCredentials } from '../../src/tls/client-credentials';
import { PkiDir } from '../../src/store/pki-dir';
import { clientTls, demoPki } from '../helpers/pki';
import { FRAME, grpcMessage, RawH2Connection } from '../helpers/raw-h2';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(60_000);

describe("identity per connection behind grpc-js's own TLS listener", () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: grpc.Server;
  let interceptor: CertrpcInterceptor;
  let address: string;
  const seen: string[] = [];

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    interceptor = createInterceptor({ policy: allowAllAuthenticated(), clientCaPem: readFileSync(pki.caCertFile, 'utf8') });
    server = new grpc.Server({ interceptors: [interceptor] });
    const echo = echoService();
    const say = (echo.implementation as { say: grpc.handleUnaryCall<{ message: string }, unknown> }).say;
    server.addService(echo.definition, {
      ...echo.implementation,
      say: (call: grpc.ServerUnaryCall<{ message: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        seen.push(callerOf(call).identity.commonName);
        say(call, callback);
      },
    });
    const credentials = grpc.ServerCredentials.createSsl(
      readFileSync(pki.caCertFile),
      [{ cert_chain: readFileSync(pki.certFile('server')), private_key: readFileSync(pki.keyFile('server')) }],
      true,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
    address = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server?.tryShutdown(() => resolve()));
    interceptor?.close();
    tmp.cleanup();
  });

  function say(client: EchoClient, message: string): Promise<string> {
    return new Promise((resolve, reject) => client.say({ message }, (err, res) => (err ? reject(err) : resolve(res!.message))));
  }

  it("reads the peer certificate at the first call of a connection only, and keeps each connection's own caller", async () => {
    const reads = jest.spyOn(TLSSocket.prototype, 'getPeerCertificate');
    const alice = new EchoClient(address, createClientCredentials(clientTls(pki, 'alice')), { 'grpc.use_local_subchannel_pool': 1 });
    const bob = new EchoClient(address, createClientCredentials(clientTls(pki, 'bob')), { 'grpc.use_local_subchannel_pool': 1 });
    try {
      seen.length = 0;
      for (let i = 0; i < 20; i++) await Promise.all([say(alice, `a${i}`), say(bob, `b${i}`)]);
      expect(seen.filter((cn) => cn === 'alice')).toHaveLength(20);
      expect(seen.filter((cn) => cn === 'bob')).toHaveLength(20);
      // Server-side reads (the clients read theirs at their handshakes, detailed): one per connection.
      const serverReads = reads.mock.contexts.filter(
        (socket) => (socket as unknown as { _tlsOptions?: { isServer?: boolean } })._tlsOptions?.isServer === true,
      );
      expect(serverReads).toHaveLength(2);
    } finally {
      reads.mockRestore();
      alice.close();
      bob.close();
    }
  });

  it("refuses a TLS 1.2 renegotiation once a call has been made: the certificate judged is the connection's for good", async () => {
    // A raw HTTP/2 client (Node's own http2 client cannot renegotiate under a session).
    const conn = await RawH2Connection.open(Number(address.split(':')[1]), clientTls(pki, 'alice'), { maxVersion: 'TLSv1.2' });
    try {
      expect(conn.socket.getProtocol()).toBe('TLSv1.2');
      // Echo/Say { message: "x" }; its trailers end the stream.
      const id = conn.request('/demo.v1.Echo/Say', grpcMessage(Buffer.from([0x0a, 0x01, 0x78])));
      await conn.waitFor((f) => f.streamId === id && f.type === FRAME.HEADERS && (f.flags & 0x1) !== 0, "the call's trailers");
      const renegotiated = await new Promise<Error | null>((resolve) => {
        conn.socket.once('close', () => resolve(new Error('the server closed the connection')));
        const started = conn.socket.renegotiate({ rejectUnauthorized: true }, (err) => resolve(err ?? null));
        if (!started) resolve(new Error('renegotiation not started'));
      });
      expect(renegotiated).toBeInstanceOf(Error);
    } finally {
      conn.close();
    }
  });
});
