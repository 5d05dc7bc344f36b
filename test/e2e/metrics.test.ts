// Issue 9 acceptance: /metrics (serve --metrics) shows the counters moving for allowed, denied
// and refused traffic, plus connections, calls in flight, readiness and certificate expiry.
import { get } from 'node:http';
import { demoClients, grpcError, unary } from '../helpers/calls';
import { metricValue, scrape } from '../helpers/metrics';
import { startOpsServer, OpsServer, status } from '../helpers/ops-server';
import { tempDir } from '../helpers/temp-dir';

describe('metrics endpoint', () => {
  const tmp = tempDir();
  let ops: OpsServer;

  beforeAll(async () => {
    ops = await startOpsServer(tmp.dir, ['--shutdown-grace', '1s']);
  });
  afterAll(async () => {
    expect(await ops.server.stop()).toBe(0);
    tmp.cleanup();
  });

  it('listens on loopback only, on the port printed at start', () => {
    expect(ops.metrics).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(ops.server.output()).toMatch(/^metrics on 127\.0\.0\.1:\d+\nlistening on 127\.0\.0\.1:\d+\n/);
  });

  it('counts an allowed call, a denied call and a refused handshake', async () => {
    const before = await scrape(ops.metrics);
    const alice = demoClients(ops.address, ops.tls('alice'));
    expect((await alice.whoAmI()).commonName).toBe('alice');
    alice.close();
    const bob = demoClients(ops.address, ops.tls('bob'));
    expect((await grpcError(unary(bob.kv, bob.kv.put, { key: 'k', value: 'v' }))).code).toBe(status.PERMISSION_DENIED);
    bob.close();
    const mallory = demoClients(ops.address, ops.tls('mallory'));
    expect((await grpcError(mallory.whoAmI())).code).toBe(status.UNAVAILABLE);
    mallory.close();
    const after = await scrape(ops.metrics);
    const delta = (name: string, labels: Record<string, string>) => metricValue(after, name, labels) - metricValue(before, name, labels);

    expect(delta('certrpc_authz_decisions_total', { decision: 'allow', rule: 'admin-everything', reason: 'allowed' })).toBe(1);
    expect(delta('certrpc_authz_decisions_total', { decision: 'deny', rule: 'none', reason: 'role-not-allowed' })).toBe(1);
    expect(delta('certrpc_calls_total', { method: '/certrpc.v1.Identity/WhoAmI', code: 'OK', role: 'admin' })).toBe(1);
    expect(delta('certrpc_calls_total', { method: '/demo.v1.KeyValue/Put', code: 'PERMISSION_DENIED', role: 'reader' })).toBe(1);
    expect(delta('certrpc_call_duration_seconds_count', { method: '/certrpc.v1.Identity/WhoAmI', code: 'OK' })).toBe(1);
    expect(delta('certrpc_handshakes_refused_total', { reason: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toBeGreaterThanOrEqual(1);
  });

  it('shows open connections and calls in flight while a stream is open', async () => {
    const alice = demoClients(ops.address, ops.tls('alice'));
    const watch = alice.kv.watch({ prefix: 'metrics/' });
    watch.on('error', () => undefined);
    await new Promise((r) => watch.once('metadata', r));
    const text = await scrape(ops.metrics);
    expect(metricValue(text, 'certrpc_open_connections')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'certrpc_calls_in_flight')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'certrpc_serving')).toBe(1);
    watch.cancel();
    alice.close();
  });

  it("reports seconds to expiry of the server's certificate and of the client CA", async () => {
    const text = await scrape(ops.metrics);
    const year = 365 * 86_400;
    expect(metricValue(text, 'certrpc_certificate_expiry_seconds', { certificate: 'server', subject: 'CN=localhost' })).toBeGreaterThan(
      year / 2,
    );
    expect(
      metricValue(text, 'certrpc_certificate_expiry_seconds', { certificate: 'client_ca', subject: 'CN=certrpc demo CA' }),
    ).toBeGreaterThan(year);
  });

  it('includes process metrics (RSS) and serves nothing but /metrics', async () => {
    expect(metricValue(await scrape(ops.metrics), 'process_resident_memory_bytes')).toBeGreaterThan(0);
    const code = await new Promise<number | undefined>((resolve, reject) =>
      get(`http://${ops.metrics}/`, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on('error', reject),
    );
    expect(code).toBe(404);
  });
});
