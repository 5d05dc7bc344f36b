// A reloading client (createReloadingClient) whose certificate changes while a call is still on
// the old channel: the call must finish there, new calls must go over a new connection with the
// new certificate, and the old channel must close once its last call has ended. The race the
// rotation suite only hits now and then (the old channel closed under a call that had not yet
// reached the server) is set up here on every run: a TCP gate in front of the server holds the
// old channel's connection, so its call waits in the channel's queue while the reload happens.
import { Metadata } from '@grpc/grpc-js';
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { createServer as createTcpServer, connect as tcpConnect, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { authorization, Authorization } from '../../src/authz/authorization';
import { createReloadingClient, ReloadingClient } from '../../src/client/reloading-client';
import { serveDirectory } from '../../src/app/serve-directory';
import { IdentityClient } from '../../src/gen/certrpc/v1/identity';
import { Change, KeyValueClient } from '../../src/gen/demo/v1/kv';
import { CertrpcServer } from '../../src/server/create-server';
import { PkiDir } from '../../src/store/pki-dir';
import { TlsFiles } from '../../src/tls/tls-material-files';
import { demoClients, unary } from '../helpers/calls';
import { eventually } from '../helpers/eventually';
import { writeOpsPolicy } from '../helpers/ops-policy';
import { clientTls, demoPki, issue } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { runLogger } from '../helpers/test-run';

/** A TCP forwarder that holds the first connection it accepts (unread) until release(); later ones pass at once. */
function holdFirstConnection(targetPort: number): Promise<{ port: number; held: Promise<void>; release(): void; close(): void }> {
  const sockets: Socket[] = [];
  let first: Socket | undefined;
  let heldResolve!: () => void;
  const held = new Promise<void>((r) => (heldResolve = r));
  const forward = (client: Socket) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.push(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  };
  const server: Server = createTcpServer((client) => {
    sockets.push(client);
    if (first) return forward(client);
    first = client;
    client.pause(); // its ClientHello waits in the socket until release
    heldResolve();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        held,
        release: () => forward(first!),
        close: () => {
          sockets.forEach((s) => s.destroy());
          server.close();
        },
      }),
    ),
  );
}

describe('reloading client: a call on the old channel survives a reload', () => {
  const tmp = tempDir();
  const log = runLogger('reloading-client-drain');
  let pki: PkiDir;
  let authz: Authorization;
  let server: CertrpcServer;
  let files: TlsFiles;

  /** Puts NAME's certificate and key in place of the client's files (each file replaced atomically). */
  const renewClientFiles = async (name: string) => {
    await issue(pki, name, { commonName: 'alice' });
    for (const [from, to] of [
      [pki.keyFile(name), files.keyFile],
      [pki.certFile(name), files.certFile],
    ]) {
      copyFileSync(from, `${to}.new`);
      renameSync(`${to}.new`, to);
    }
  };

  beforeAll(async () => {
    pki = await demoPki(join(tmp.dir, 'certs'));
    authz = authorization({ policyFile: writeOpsPolicy(tmp.dir), logger: log.logger, audit: { mode: 'none' } });
    server = await serveDirectory({ pki, demo: true, port: 0, logger: log.logger, authorization: authz });
    const clientDir = join(tmp.dir, 'client');
    mkdirSync(clientDir);
    files = { certFile: join(clientDir, 'alice.crt'), keyFile: join(clientDir, 'alice.key'), caFiles: [pki.caCertFile] };
    copyFileSync(pki.certFile('alice'), files.certFile);
    copyFileSync(pki.keyFile('alice'), files.keyFile, 0);
  });
  afterAll(async () => {
    await server.shutdown(1000);
    authz.close();
    tmp.cleanup();
  });

  it('a call still waiting for the old connection completes over it; new calls use the new certificate; then the old channel closes', async () => {
    const gate = await holdFirstConnection(server.listening!.port);
    const client: ReloadingClient<IdentityClient> = await createReloadingClient(IdentityClient, `127.0.0.1:${gate.port}`, {
      files,
      authority: 'localhost',
      logger: log.logger,
      reload: { debounceMs: 20 },
    });
    try {
      const oldSerial = client.tls.current.certificate.serial;
      // Started on the first channel; its connection is held at the gate, so the call waits in that channel's queue.
      const early = unary(client.client, client.client.whoAmI, {}, new Metadata(), { deadline: Date.now() + 30_000 });
      await gate.held;

      const reloaded = client.tls.nextReload();
      await renewClientFiles('alice-renewed');
      expect(await reloaded).toMatchObject({ ok: true, version: 2 });
      const newSerial = client.tls.current.certificate.serial;
      expect(newSerial).not.toBe(oldSerial);
      expect(client.channel.drainingCount).toBe(1); // the old channel is kept: a call is on it

      // A call made now goes over a new connection (the gate passes it) with the new certificate.
      expect((await unary(client.client, client.client.whoAmI, {})).serial).toBe(newSerial);

      // The held connection goes through: the early call completes, on the old channel, with the old certificate.
      gate.release();
      expect((await early).serial).toBe(oldSerial);
      expect(client.channel.drainingCount).toBe(0);
    } finally {
      client.close();
      gate.close();
    }
  });

  it('a stream open on the old channel keeps receiving after the reload, and the old channel closes when it ends', async () => {
    const client: ReloadingClient<KeyValueClient> = await createReloadingClient(KeyValueClient, `127.0.0.1:${server.listening!.port}`, {
      files,
      authority: 'localhost',
      logger: log.logger,
      reload: { debounceMs: 20 },
    });
    const writer = demoClients(`127.0.0.1:${server.listening!.port}`, clientTls(pki, 'alice'), 'localhost');
    try {
      const changes: Change[] = [];
      const watch = client.client.watch({ prefix: 'drain/' }, new Metadata());
      const ended = new Promise<unknown>((resolve) => {
        watch.on('data', (c: Change) => changes.push(c));
        watch.on('error', resolve);
        watch.on('end', () => resolve('end'));
      });
      await new Promise((r) => watch.once('metadata', r));

      const reloaded = client.tls.nextReload();
      await renewClientFiles('alice-renewed-again');
      expect(await reloaded).toMatchObject({ ok: true });
      expect(client.channel.drainingCount).toBe(1);

      await unary(writer.kv, writer.kv.put, { key: 'drain/after-reload', value: 'seen' });
      await eventually(() => changes.some((c) => c.key === 'drain/after-reload'), 'the old stream to see a change made after the reload');
      watch.cancel();
      expect(await ended).toMatchObject({ code: 1 }); // CANCELLED: ended by us, not by the channel
      expect(client.channel.drainingCount).toBe(0);
    } finally {
      writer.close();
      client.close();
    }
  });
});
