// Issue 9 acceptance: SIGTERM during a long server-streaming call. Health turns NOT_SERVING
// first; new connections are refused; the call finishes (or, past --shutdown-grace, ends with
// UNAVAILABLE and a reason); the process exits 0 with the audit log's last lines written.
import { ClientReadableStream, makeGenericClientConstructor, Metadata, ServiceError } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { service as healthService } from 'grpc-health-check';
import { createClient } from '../../src/client/create-client';
import { EchoClient, SayResponse } from '../../src/gen/demo/v1/echo';
import { demoClients, grpcError } from '../helpers/calls';
import { eventually, logLines } from '../helpers/eventually';
import { startOpsServer, OpsServer, status } from '../helpers/ops-server';
import { demoPki } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { sigtermAtListening } from '../helpers/signal-at-listening';

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

/** The promise, or a failure naming what did not happen in 30 s (well inside the test's own timeout). */
function withinTestTime<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 30_000)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Every status a health Watch reports (each also passed to onStatus as it arrives), and how it ended. */
function watchHealth(ops: OpsServer, onStatus: (status: string) => void = () => undefined) {
  const client = createClient(HealthClient, ops.address, { tls: ops.tls('bob') });
  const seen: string[] = [];
  const stream = (client as unknown as { Watch(req: object): ClientReadableStream<{ status: string }> }).Watch({ service: '' });
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    stream.on('data', (m) => {
      seen.push(m.status);
      onStatus(m.status);
    });
    stream.on('error', (err: ServiceError) => resolve(err));
    stream.on('end', () => resolve(undefined));
  });
  return { seen, ended, close: () => client.close() };
}

describe('graceful shutdown', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('lets a long stream finish: NOT_SERVING first (certrpc_serving 0 while it drains), new connections refused, exit 0 after the stream, audit complete', async () => {
    const dir = join(tmp.dir, 'finish');
    const auditFile = join(tmp.dir, 'finish-audit.log');
    const ops: OpsServer = await startOpsServer(dir, ['--shutdown-grace', '20s', '--audit-file', auditFile]);
    // Each event is recorded by its own listener as it happens, so the order below is the order they happened in.
    const events: string[] = [];
    const health = watchHealth(ops, (s) => s === 'NOT_SERVING' && events.push('not-serving'));
    await eventually(() => health.seen.includes('SERVING'), 'health SERVING');
    expect(await ops.metric('certrpc_serving')).toBe(1);

    const echo = createClient(EchoClient, ops.address, { tls: ops.tls('alice') });
    const repeat = echo.repeat({ message: 'x', repeat: 2000, sizeBytes: 1024 }, new Metadata());
    let received = 0;
    const done = new Promise<ServiceError | undefined>((resolve) => {
      repeat.on('data', (_m: SayResponse) => received++);
      repeat.on('error', (err: ServiceError) => resolve(err));
      repeat.on('end', () => {
        events.push('stream-complete');
        resolve(undefined);
      });
    });
    // Read one message, then stop reading: the call stays in flight, held by flow control.
    await new Promise((r) => repeat.once('data', r));
    repeat.pause();
    ops.server.child.once('exit', () => events.push('exited'));

    const exited = ops.server.stop('SIGTERM');
    await eventually(() => health.seen.includes('NOT_SERVING'), 'health NOT_SERVING');
    expect(await health.ended).toMatchObject({ code: status.UNAVAILABLE });
    // Draining, the call still in flight: /metrics (still up) says not serving, one call in flight.
    expect(await ops.metric('certrpc_serving')).toBe(0);
    expect(await ops.metric('certrpc_calls_in_flight')).toBe(1);

    // The listener is closed: a new client cannot connect while the old call drains.
    const late = demoClients(ops.address, ops.tls('alice'));
    expect((await grpcError(late.whoAmI())).code).toBe(status.UNAVAILABLE);
    late.close();
    expect(events).toEqual(['not-serving']); // still draining: the stream is not done, the process not gone

    repeat.resume();
    expect(await done).toBeUndefined();
    expect(received).toBe(2000);
    expect(await exited).toBe(0);
    expect(events).toEqual(['not-serving', 'stream-complete', 'exited']);
    echo.close();
    health.close();

    const logs = logLines(ops.server.logs());
    expect(logs.map((l) => l.event).filter((e) => ['shutdown', 'draining', 'stopped'].includes(String(e)))).toEqual([
      'shutdown',
      'draining',
      'stopped',
    ]);
    expect(logs.find((l) => l.event === 'stopped')).toMatchObject({ cancelled: 0, inFlightAtStart: 1 });
    const audit = logLines(readFileSync(auditFile, 'utf8'));
    expect(audit.map((a) => [a.cn, a.method, a.decision])).toEqual(
      expect.arrayContaining([
        ['bob', '/grpc.health.v1.Health/Watch', 'allow'],
        ['alice', '/demo.v1.Echo/Repeat', 'allow'],
      ]),
    );
  });

  it('ends a call still running at the deadline with UNAVAILABLE saying why, and still exits 0', async () => {
    const dir = join(tmp.dir, 'deadline');
    const ops = await startOpsServer(dir, ['--shutdown-grace', '1s']);
    const alice = demoClients(ops.address, ops.tls('alice'));
    // KeyValue/Watch never ends by itself.
    const watch = alice.kv.watch({ prefix: 'never/' }, new Metadata());
    const ended = new Promise<ServiceError>((resolve) => watch.on('error', resolve));
    await new Promise((r) => watch.once('metadata', r));

    const exited = ops.server.stop('SIGTERM');
    const err = await ended;
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toMatch(/the server is shutting down: this call was still running when its 1000 ms grace period ended/);
    expect(await exited).toBe(0);
    alice.close();
    expect(logLines(ops.server.logs()).find((l) => l.event === 'stopped')).toMatchObject({ cancelled: 1 });
  });

  it('a second signal (SIGTERM, then SIGINT) ends the grace period at once: the call still running gets UNAVAILABLE, exit 0', async () => {
    // A grace period far longer than the test may run: only the second signal can end it in time.
    const ops = await startOpsServer(join(tmp.dir, 'hurry'), ['--shutdown-grace', '10m']);
    const alice = demoClients(ops.address, ops.tls('alice'));
    const watch = alice.kv.watch({ prefix: 'never/' }, new Metadata());
    const ended = new Promise<ServiceError>((resolve) => watch.on('error', resolve));
    await new Promise((r) => watch.once('metadata', r));

    const exited = ops.server.stop('SIGTERM');
    await eventually(() => logLines(ops.server.logs()).find((l) => l.event === 'draining'), 'the server to start draining');
    expect(ops.server.child.exitCode).toBeNull();
    ops.server.child.kill('SIGINT');
    const err = await withinTestTime(ended, 'the call to be ended by the second signal');
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toMatch(/the server is shutting down: this call was still running when its 600000 ms grace period ended/);
    expect(await withinTestTime(exited, 'the process to exit')).toBe(0);
    alice.close();
    const logs = logLines(ops.server.logs());
    expect(logs.find((l) => /SIGINT again: ending the grace period now/.test(String(l.msg)))).toBeDefined();
    expect(logs.find((l) => l.event === 'stopped')).toMatchObject({ cancelled: 1, inFlightAtStart: 1 });
  });

  it.each([
    { line: 'listening on', extra: [] },
    { line: 'metrics on', extra: ['--metrics', ':0'] },
  ])('a SIGTERM sent the moment "$line" is printed still stops gracefully (the handlers come first)', async ({ line, extra }) => {
    const pki = await demoPki(join(tmp.dir, `early-signal-${line.split(' ')[0]}`));
    // Sent from inside the write of that line (test/helpers/sigterm-at-listening.cjs): before the fix, Node's default action killed the process.
    const ended = await sigtermAtListening(['serve', '--dir', pki.dir, '--port', '0', ...extra], { env: { SIGTERM_AT_LINE: line } });
    expect(ended.stdout).toContain(line);
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
    expect(logLines(ended.stderr).find((l) => l.event === 'stopped')).toBeDefined();
  });
});
