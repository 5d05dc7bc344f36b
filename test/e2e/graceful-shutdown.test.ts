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
import { tempDir } from '../helpers/temp-dir';

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');

/** Every status a health Watch reports, and how it ended. */
function watchHealth(ops: OpsServer) {
  const client = createClient(HealthClient, ops.address, { tls: ops.tls('bob') });
  const seen: string[] = [];
  const stream = (client as unknown as { Watch(req: object): ClientReadableStream<{ status: string }> }).Watch({ service: '' });
  const ended = new Promise<ServiceError | undefined>((resolve) => {
    stream.on('data', (m) => seen.push(m.status));
    stream.on('error', (err: ServiceError) => resolve(err));
    stream.on('end', () => resolve(undefined));
  });
  return { seen, ended, close: () => client.close() };
}

describe('graceful shutdown', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('lets a long stream finish: NOT_SERVING first, new connections refused, exit 0, audit complete', async () => {
    const dir = join(tmp.dir, 'finish');
    const auditFile = join(tmp.dir, 'finish-audit.log');
    const ops: OpsServer = await startOpsServer(dir, ['--shutdown-grace', '20s', '--audit-file', auditFile]);
    const health = watchHealth(ops);
    await eventually(() => health.seen.includes('SERVING'), 'health SERVING');

    const echo = createClient(EchoClient, ops.address, { tls: ops.tls('alice') });
    const events: string[] = [];
    const repeat = echo.repeat({ message: 'x', repeat: 2000, sizeBytes: 1024 }, new Metadata());
    let received = 0;
    const done = new Promise<ServiceError | undefined>((resolve) => {
      repeat.on('data', (_m: SayResponse) => received++);
      repeat.on('error', (err: ServiceError) => resolve(err));
      repeat.on('end', () => resolve(undefined));
    });
    // Read one message, then stop reading: the call stays in flight, held by flow control.
    await new Promise((r) => repeat.once('data', r));
    repeat.pause();

    const exited = ops.server.stop('SIGTERM');
    await eventually(() => health.seen.includes('NOT_SERVING'), 'health NOT_SERVING');
    events.push('not-serving');
    expect(await health.ended).toMatchObject({ code: status.UNAVAILABLE });

    // The listener is closed: a new client cannot connect while the old call drains.
    const late = demoClients(ops.address, ops.tls('alice'));
    expect((await grpcError(late.whoAmI())).code).toBe(status.UNAVAILABLE);
    late.close();

    repeat.resume();
    expect(await done).toBeUndefined();
    events.push('stream-complete');
    expect(received).toBe(2000);
    expect(events).toEqual(['not-serving', 'stream-complete']);
    expect(await exited).toBe(0);
    echo.close();
    health.close();

    const logs = logLines(ops.server.logs());
    expect(logs.map((l) => l.event).filter(Boolean)).toEqual(expect.arrayContaining(['shutdown', 'draining', 'stopped']));
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
});
