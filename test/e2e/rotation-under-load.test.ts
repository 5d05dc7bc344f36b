// Issue 6, rotation under load: several long-lived clients call WhoAmI in a loop for the whole test
// while, through the CLI, the server certificate is renewed, a client certificate is renewed, and
// the CA is rotated (old+new bundle), every identity moved to the new CA and the old CA retired.
// The server is `certrpc serve` (a child process watching its files); the clients follow theirs.
// Not one call may fail, and new handshakes must show the new serials.
import { Metadata, ServiceError } from '@grpc/grpc-js';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createReloadingClient, ReloadingClient } from '../../src/client/reloading-client';
import { IdentityClient, WhoAmIResponse } from '../../src/gen/certrpc/v1/identity';
import { Change, KeyValueClient } from '../../src/gen/demo/v1/kv';
import { PkiDir } from '../../src/store/pki-dir';
import { probeTls } from '../../src/tls/probe';
import { unary } from '../helpers/calls';
import { RunningServer, runCli, startCli } from '../helpers/cli';
import { eventually, logLines } from '../helpers/eventually';
import { clientTls, demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';

jest.setTimeout(180_000);

const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber.toLowerCase().replace(/^0+/, '');
const MAX_CALLS_PER_CLIENT = 200_000;
const PACE_MS = 5;

interface Worker {
  name: string;
  client: ReloadingClient<IdentityClient>;
  ok: number;
  failures: ServiceError[];
  last?: WhoAmIResponse;
  done: Promise<void>;
}

describe('renew server, renew client, rotate and retire the CA: under continuous load, zero failed calls', () => {
  const tmp = tempDir();
  let pki: PkiDir;
  let server: RunningServer;
  let stop = false;
  const workers: Worker[] = [];

  const cli = async (...args: string[]) => {
    const t = Date.now();
    const r = await runCli([...args, '--dir', tmp.dir]);
    console.log(`certrpc ${args.join(' ')}: ${Date.now() - t} ms`);
    if (r.code !== 0) throw new Error(`certrpc ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const files = (name: string) => ({
    certFile: pki.certFile(name),
    keyFile: pki.keyFile(name),
    caFiles: [pki.caCertFile],
    crlFile: pki.crlFile,
  });
  const serverSerialSeen = async () => {
    const probe = await probeTls(server.address, clientTls(pki, 'alice'));
    return probe.ok ? probe.serverCertificate.serialNumber.toLowerCase().replace(/^0+/, '') : undefined;
  };
  const serverReloads = () => logLines(server.logs()).filter((l) => l.event === 'reloaded');
  /**
   * Waits for the server's reload that took this certificate (it swaps the listener's context before
   * it logs "reloaded"), then checks that the very next handshake presents it: no retrying until it does.
   */
  const serverPresents = async (serial: string) => {
    await eventually(
      () => serverReloads().some((l) => (l.certificate as { serial: string }).serial === serial),
      `the server to reload its certificate ${serial}`,
    );
    expect(await serverSerialSeen()).toBe(serial);
  };
  /** Resolves once every worker has made `more` further successful calls. */
  const progress = async (more = 10) => {
    const target = workers.map((w) => w.ok + more);
    await eventually(() => workers.every((w, i) => w.ok >= target[i]), `${more} more calls from every client`, 30_000);
  };
  const seenBy = (name: string) => workers.filter((w) => w.name === name);

  beforeAll(async () => {
    pki = await demoPki(tmp.dir);
    copyFileSync(join(__dirname, '..', '..', 'policy.yaml'), join(tmp.dir, 'policy.yaml'));
    server = await startCli([
      'serve',
      '--demo',
      '--dir',
      tmp.dir,
      '--port',
      '0',
      '--policy',
      join(tmp.dir, 'policy.yaml'),
      '--audit',
      'none',
    ]);
    for (const name of ['alice', 'alice', 'bob', 'bob']) {
      const client = await createReloadingClient(IdentityClient, server.address, {
        files: files(name),
        reload: { debounceMs: 50, intervalMs: 500 },
      });
      const worker: Worker = { name, client, ok: 0, failures: [], done: Promise.resolve() };
      worker.done = (async () => {
        for (let i = 0; i < MAX_CALLS_PER_CLIENT && !stop; i++) {
          try {
            worker.last = await unary(client.client, client.client.whoAmI, {}, new Metadata(), { deadline: Date.now() + 10_000 });
            worker.ok += 1;
          } catch (err) {
            worker.failures.push(err as ServiceError);
          }
          // Paced, so the CLI processes of the test still get CPU on a small machine. Nothing waits on
          // this pause or races it: every step below waits for a reload line or for calls counted.
          await new Promise((r) => setTimeout(r, PACE_MS));
        }
      })();
      workers.push(worker);
    }
  });
  afterAll(async () => {
    stop = true;
    await Promise.all(workers.map((w) => w.done));
    for (const w of workers) w.client.close();
    await server?.stop();
    tmp.cleanup();
  });

  it('keeps every call succeeding while identities and the CA change underneath', async () => {
    // A stream opened before anything changes must live through all of it (its connection is kept until it ends).
    const watcher = await createReloadingClient(KeyValueClient, server.address, { files: files('alice') });
    const watch = watcher.client.watch({ prefix: 'rotation/' }, new Metadata());
    const changes: Change[] = [];
    const watchErrors: Error[] = [];
    watch.on('data', (c: Change) => changes.push(c));
    watch.on('error', (e) => watchErrors.push(e));
    await new Promise((r) => watch.once('metadata', r));
    await progress();
    const oldCa = serialOf(pki.caCertFile);

    // 1. The server certificate: new handshakes present the new serial.
    await cli('cert', 'renew', 'server');
    const server1 = serialOf(pki.certFile('server'));
    await serverPresents(server1);
    await progress();

    // 2. A client certificate: alice's clients reconnect with it and WhoAmI shows it.
    await cli('cert', 'renew', 'alice');
    const alice1 = serialOf(pki.certFile('alice'));
    await eventually(() => seenBy('alice').every((w) => w.last?.serial === alice1), "WhoAmI to show alice's renewed serial");
    await progress();

    // 3. The CA: a new one signs, both are trusted; wait until the server and the clients trust both.
    const reloadsBefore = serverReloads().length;
    await cli('ca', 'rotate');
    await eventually(
      () =>
        serverReloads()
          .slice(reloadsBefore)
          .some((l) => (l.cas as string[]).length === 2),
      'the server to trust old and new CA',
    );
    await eventually(() => workers.every((w) => w.client.tls.current.cas.length === 2), 'the clients to trust old and new CA');
    await progress();

    await cli('cert', 'renew', 'server');
    const server2 = serialOf(pki.certFile('server'));
    await serverPresents(server2);
    await progress();

    // Retiring now would strand bob (and alice): refused, naming them, nothing changed.
    const early = await runCli(['ca', 'retire', '--dir', tmp.dir]);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(/still signs certificates in use: .*alice.*bob/);
    expect(readFileSync(pki.caCertFile, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2);

    await cli('cert', 'renew', 'alice');
    await cli('cert', 'renew', 'bob');
    const alice2 = serialOf(pki.certFile('alice'));
    const bob2 = serialOf(pki.certFile('bob'));
    await eventually(
      () => seenBy('alice').every((w) => w.last?.serial === alice2) && seenBy('bob').every((w) => w.last?.serial === bob2),
      'WhoAmI to show the serials from the new CA',
    );
    expect(workers.every((w) => /G2/.test(w.last!.issuer))).toBe(true);
    await progress();

    // 4. Retire the old CA: everything now chains to the new one only.
    const retireReloads = serverReloads().length;
    await cli('ca', 'retire');
    expect(readFileSync(pki.caCertFile, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    await eventually(
      () =>
        serverReloads()
          .slice(retireReloads)
          .some((l) => (l.cas as string[]).length === 1),
      'the server to drop the old CA',
    );
    await eventually(() => workers.every((w) => w.client.tls.current.cas.length === 1), 'the clients to drop the old CA');
    expect(serialOf(pki.caCertFile)).not.toBe(oldCa);
    await progress();
    expect(await serverSerialSeen()).toBe(server2);

    // The stream opened at the start is still alive.
    const writer = await createReloadingClient(KeyValueClient, server.address, { files: files('alice') });
    await unary(writer.client, writer.client.put, { key: 'rotation/done', value: 'yes' });
    await eventually(
      () => changes.some((c) => c.key === 'rotation/done'),
      'the first Watch stream to see a change made after the rotation',
    );
    expect(watchErrors).toEqual([]);
    watch.cancel();
    writer.close();
    watcher.close();

    stop = true;
    await Promise.all(workers.map((w) => w.done));
    const total = workers.reduce((n, w) => n + w.ok, 0);
    console.log(
      `rotation under load: ${total} WhoAmI calls from ${workers.length} clients, ${workers.reduce((n, w) => n + w.failures.length, 0)} failed`,
    );
    expect(workers.flatMap((w) => w.failures.map((f) => `${w.name}: ${f.code} ${f.details}`))).toEqual([]);
    // Every replaced channel was closed once its last call had finished.
    expect(workers.map((w) => w.client.channel.drainingCount)).toEqual([0, 0, 0, 0]);
  });
});
