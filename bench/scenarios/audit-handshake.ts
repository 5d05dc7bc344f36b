// Issue 13's two per-operation rows that are certrpc's own work rather than the transport's: a
// unary call audited (audit all) and a new mTLS connection (handshake + one call), next to bare
// grpc-js and certrpc with the audit log off, arms interleaved. Server CPU per operation is the
// figure. BENCH_BASE_DIR=DIR (a copy of another build's dist-bench inside the checkout) adds that
// build's certrpc servers as "before" arms in the same run: a change's worth, measured side by side.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';
import { writeBenchPolicy } from '../lib/bench-policy';
import { benchPki, TlsSet } from '../lib/bench-pki';
import { Arm, ArmResult, InterleaveOptions, runInterleaved } from '../lib/interleave';
import { mergeLoadResults } from '../lib/load-result';
import { FloorSlice, opensslHandshakes, startOpensslServer } from '../lib/openssl-floor';
import { LoadGenerator } from '../lib/load-generator';
import { armMeasurement, ratio, serverCpuPerCall } from '../lib/measurement';
import { addSpans, BenchServer, startServer } from '../lib/server-launcher';
import type { BenchServerConfig } from '../servers/server-process';
import { clientTlsOf } from '../lib/server-pair';
import { grpcOptionsOf, resolveLimits } from '../../src/server/limits';

const FLOOR_LABEL = 'openssl floor: s_server + s_time -new (mTLS handshake only)';
const IDENTITY_FLOOR_LABEL = 'identity floor: bare + getPeerCertificate() once';

/**
 * The connection arms, interleaved as usual, with the handshake's crypto floor (openssl-floor.ts)
 * taking its turn after each round: its load is `openssl s_time`, not the load process, so it
 * cannot be an Arm. Returns the arms' rows, then the floor's.
 */
async function handshakesWithFloor(load: LoadGenerator, arms: Arm[], interleave: InterleaveOptions, set: TlsSet): Promise<Measurement[]> {
  const floorServer = await startOpensslServer({ caFile: set.caFile, certFile: set.server.certFile, keyFile: set.server.keyFile });
  const client = { caFile: set.caFile, certFile: set.client.certFile, keyFile: set.client.keyFile };
  const rounds: ArmResult[][] = [];
  const floor: FloorSlice[] = [];
  const slice = { ...interleave, rounds: 1, durationSec: interleave.durationSec / interleave.rounds };
  try {
    for (let round = 0; round < interleave.rounds; round++) {
      rounds.push(await runInterleaved(load, round % 2 === 0 ? arms : [...arms].reverse(), slice));
      floor.push(await opensslHandshakes(floorServer, client, slice.durationSec));
    }
  } finally {
    await floorServer.stop();
  }
  const rows = arms.map((arm) => {
    const slices = rounds.map((r) => r.find((x) => x.label === arm.label)!);
    return armMeasurement({
      label: arm.label,
      load: mergeLoadResults(slices.map((x) => x.load)),
      usage: addSpans(slices.map((x) => x.usage)),
    });
  });
  const count = floor.reduce((a, f) => a + f.handshakes, 0);
  const seconds = floor.reduce((a, f) => a + f.seconds, 0);
  const cpu = floor.reduce((a, f) => a + f.serverCpuMicros, 0);
  rows.push({
    label: FLOOR_LABEL,
    count,
    errors: 0,
    perSecond: count / seconds,
    server: { cpuPercent: (cpu / (seconds * 1e6)) * 100 },
    extra: { 'server cpu us/op': count > 0 ? cpu / count : Number.NaN, 'in flight': 1 },
  });
  return rows;
}

export const auditHandshakeScenario: Scenario = {
  name: 'audit-handshake',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const set = (await benchPki()).sets['ecdsa-p256'];
    const tls = clientTlsOf(set);
    const base = { caFile: set.caFile, certFile: set.server.certFile, keyFile: set.server.keyFile };
    const baseDir = process.env.BENCH_BASE_DIR ? join(process.env.BENCH_BASE_DIR, 'bench', 'servers') : undefined;
    const servers: BenchServer[] = [];
    const load = await LoadGenerator.start();
    const measurements: Measurement[] = [];
    const comparisons: Comparison[] = [];
    const interleave = {
      durationSec: Math.max(options.durationSec, 2),
      rounds: options.quick ? 2 : 4,
      warmupSec: options.quick ? 0.3 : 0.5,
    };
    const start = async (
      label: string,
      kind: 'bare' | 'certrpc',
      auditMode?: 'none' | 'on_deny' | 'all',
      dir?: string,
      more: Partial<BenchServerConfig> = {},
    ) => {
      const files = auditMode ? writeBenchPolicy(mkdtempSync(join(set.dir, `audit-handshake-${auditMode}-`))) : undefined;
      const server = await startServer(
        kind,
        { ...base, ...more, ...(files ? { policyFile: files.policyFile, auditFile: files.auditFile, auditMode } : {}) },
        dir,
      );
      servers.push(server);
      return { label, server };
    };
    try {
      const bare = await start('bare', 'bare');
      const unary = [bare, await start('certrpc audit off', 'certrpc', 'none'), await start('certrpc audit all', 'certrpc', 'all')];
      const handshake = [bare, await start('certrpc on_deny', 'certrpc', 'on_deny')];
      // What knowing the caller costs at the least: bare grpc-js behind Node's tls.Server reading each
      // connection's certificate once (Node's getPeerCertificate(), the one way to read it).
      handshake.push(await start(IDENTITY_FLOOR_LABEL, 'bare', undefined, undefined, { variant: 'identity-floor' }));
      // BENCH_HANDSHAKE_BREAKDOWN=1: certrpc's per-connection cost part by part, on bare grpc-js.
      if (process.env.BENCH_HANDSHAKE_BREAKDOWN) {
        const limits = grpcOptionsOf(resolveLimits()) as Record<string, number>;
        handshake.push(
          await start("bare + certrpc's grpc-js limits (idle, keepalive)", 'bare', undefined, undefined, { grpcOptions: limits }),
        );
        handshake.push(
          await start("bare behind Node's tls.Server and grpc-js's injector", 'bare', undefined, undefined, { variant: 'node-tls' }),
        );
        handshake.push(await start("bare behind certrpc's TLS listener", 'bare', undefined, undefined, { variant: 'mtls-listener' }));
        handshake.push(await start('certrpc, allowAllAuthenticated (no policy, no audit)', 'certrpc'));
      }
      if (baseDir) {
        unary.push(await start('before: certrpc audit all', 'certrpc', 'all', baseDir));
        handshake.push(await start('before: certrpc on_deny', 'certrpc', 'on_deny', baseDir));
      }
      // BENCH_ROWS=unary or =handshake runs one half (for a profiler attached to the servers).
      const rows = process.env.BENCH_ROWS;
      const concurrency = options.concurrency.includes(16) ? 16 : options.concurrency[0];
      const unaryArms: Arm[] = unary.map(({ label, server }) => ({
        label: `${label} unary c=${concurrency}`,
        server,
        run: (slice) => load.unary({ address: server.address, tls, connections: 1, concurrency, message: 'hello', ...slice }),
      }));
      const u = rows === 'handshake' ? [] : (await runInterleaved(load, unaryArms, interleave)).map((r) => armMeasurement(r));
      measurements.push(...u);
      if (u.length)
        for (const m of u.slice(1))
          comparisons.push(
            ratio(
              `server cpu per call ${m.label} / bare`,
              m,
              u[0],
              serverCpuPerCall,
              m.label.includes('audit all') ? { atMost: 1.2 } : undefined,
            ),
          );
      if (u.length) comparisons.push(ratio('server cpu per call, audit all / audit off (certrpc)', u[2], u[1], serverCpuPerCall));
      if (u[3]) comparisons.push(ratio('server cpu per call, audit all, after / before', u[2], u[3], serverCpuPerCall));

      const handshakeArms: Arm[] = handshake.map(({ label, server }) => ({
        label: `${label} new connection + call`,
        server,
        run: (slice) => load.handshakes({ address: server.address, tls, concurrency: 4, client: 'grpc', ...slice }),
      }));
      const h = rows === 'unary' ? [] : await handshakesWithFloor(load, handshakeArms, interleave, set);
      measurements.push(...h);
      if (h.length)
        for (const m of h.slice(1, -1))
          comparisons.push(
            ratio(
              `server cpu per connection ${m.label} / bare`,
              m,
              h[0],
              serverCpuPerCall,
              m.label.startsWith('certrpc') ? { atMost: 1.05 } : undefined,
            ),
          );
      const identityFloor = h.find((m) => m.label.startsWith(IDENTITY_FLOOR_LABEL));
      if (identityFloor)
        comparisons.push(ratio('server cpu per connection certrpc on_deny / identity floor', h[1], identityFloor, serverCpuPerCall));
      const floor = h.at(-1);
      if (floor)
        for (const m of h.slice(0, -1))
          comparisons.push(ratio(`server cpu per connection ${m.label} / openssl floor`, m, floor, serverCpuPerCall));
      const before = h.find((m) => m.label.startsWith('before:'));
      if (before) comparisons.push(ratio('server cpu per connection, after / before', h[1], before, serverCpuPerCall));
    } finally {
      await load.stop();
      await Promise.all(servers.map((s) => s.stop()));
    }
    return {
      scenario: 'audit-handshake',
      measurements,
      comparisons,
      notes: [
        'unary: demo.v1.Echo/Say, one connection; new connection: TCP + mTLS (grpc-js client, full handshake) + one Echo/Say + close, 4 in flight',
        'server cpu us/op is the figure to read; "before:" arms run the build in BENCH_BASE_DIR',
        "identity floor: bare grpc-js behind Node's tls.Server (createSsl's options, fed through grpc-js's connection injector, certrpc's path) that reads each connection's peer certificate once, as any server that knows its callers must: the floor of the new-connection row",
        'openssl floor: `openssl s_server` (same certificates, client certificate required) under `openssl s_time -new`, one full mutual-TLS handshake at a time, no HTTP/2 and no call: the crypto limit, its turn after each round of the connection arms; its server CPU from /proc',
      ],
    };
  },
};
