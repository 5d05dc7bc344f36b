// Issue 13's table, every row in one run, each with its target: certrpc's call path against bare
// grpc-js (ServerCredentials.createSsl, no interceptors), same certificates, server processes of
// their own, arms interleaved A B B A. certrpc runs as `certrpc serve --policy` does: createServer,
// its own mTLS listener, a policy file (12 rules), audit log on_deny (to a file); the audit-all row
// is the same server auditing every call. Server CPU per operation is the cost figure; on 2 cores
// the grpc-js load generator saturates first, so the rates mostly measure latency added.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';
import { writeBenchPolicy } from '../lib/bench-policy';
import { benchPki } from '../lib/bench-pki';
import { Arm, runInterleaved } from '../lib/interleave';
import { LoadGenerator } from '../lib/load-generator';
import {
  armMeasurement,
  messagesPerSecond,
  perSecond,
  ratio,
  serverCpuPerCall,
  serverCpuPerMessage,
  streamMeasurement,
} from '../lib/measurement';
import { BenchServer, startServer } from '../lib/server-launcher';
import { clientTlsOf } from '../lib/server-pair';

const UNARY_RATE = { atLeast: 0.95 };
const UNARY_CPU = { atMost: 1.1 };
const AUDIT_ALL_CPU = { atMost: 1.2 };
const STREAM_RATE = { atLeast: 0.95 };
const HANDSHAKE_CPU = { atMost: 1.05 };

export const callPathScenario: Scenario = {
  name: 'call-path',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const set = (await benchPki()).sets['ecdsa-p256'];
    const tls = clientTlsOf(set);
    const base = { caFile: set.caFile, certFile: set.server.certFile, keyFile: set.server.keyFile };
    const onDeny = writeBenchPolicy(mkdtempSync(join(set.dir, 'call-path-')));
    const all = writeBenchPolicy(mkdtempSync(join(set.dir, 'call-path-all-')));
    const servers: BenchServer[] = [];
    const load = await LoadGenerator.start();
    const measurements: Measurement[] = [];
    const comparisons: Comparison[] = [];
    // At least a second per slice: a 64 KiB stream of 100 messages must be able to finish in one.
    const interleave = {
      durationSec: Math.max(options.durationSec, 2),
      rounds: options.quick ? 2 : 4,
      warmupSec: options.quick ? 0.3 : 0.5,
    };
    try {
      const bare = await startServer('bare', base);
      servers.push(bare);
      const certrpc = await startServer('certrpc', {
        ...base,
        policyFile: onDeny.policyFile,
        auditFile: onDeny.auditFile,
        auditMode: 'on_deny',
      });
      servers.push(certrpc);
      const auditAll = await startServer('certrpc', { ...base, policyFile: all.policyFile, auditFile: all.auditFile, auditMode: 'all' });
      servers.push(auditAll);

      const unaryArm = (label: string, server: BenchServer, concurrency: number): Arm => ({
        label,
        server,
        run: (slice) => load.unary({ address: server.address, tls, connections: 1, concurrency, message: 'hello', ...slice }),
      });
      // Rows 1, 3 and 4: unary, one connection.
      for (const concurrency of options.quick ? [1, 16, 32] : [1, 16, 32, 128]) {
        const where = `c=${concurrency}`;
        const arms = [unaryArm(`bare unary ${where}`, bare, concurrency), unaryArm(`certrpc unary ${where}`, certrpc, concurrency)];
        // At c=1 too: its server then has the history the other two have when c=16 is measured (CPU
        // is all threads: a server first loaded at c=16 compiles its call path inside those windows).
        if (concurrency === 1 || concurrency === 16) arms.push(unaryArm(`certrpc audit all unary ${where}`, auditAll, concurrency));
        const rows = (await runInterleaved(load, arms, interleave)).map((r) => armMeasurement(r));
        measurements.push(...rows);
        if (concurrency === 32)
          comparisons.push(ratio(`unary calls/s certrpc/bare ${where}, one connection`, rows[1], rows[0], perSecond, UNARY_RATE));
        comparisons.push(
          ratio(
            `server cpu per unary call certrpc/bare ${where}`,
            rows[1],
            rows[0],
            serverCpuPerCall,
            concurrency === 32 ? undefined : UNARY_CPU,
          ),
        );
        if (rows[2])
          comparisons.push(
            ratio(
              `server cpu per call, audit all, certrpc/bare ${where}`,
              rows[2],
              rows[0],
              serverCpuPerCall,
              concurrency === 16 ? AUDIT_ALL_CPU : undefined,
            ),
          );
      }
      // Rows 2 and 5: server streaming, 2 streams on one connection.
      const streamRows = async (pair: { bare: BenchServer; certrpc: BenchServer }, where: string, target?: typeof STREAM_RATE) => {
        for (const { sizeBytes, messagesPerCall } of [
          { sizeBytes: 64 * 1024, messagesPerCall: 100 },
          { sizeBytes: 1024, messagesPerCall: 1000 },
        ]) {
          const what = `server-streaming ${sizeBytes / 1024} KiB, 2 streams${where}`;
          const arms = (['bare', 'certrpc'] as const).map((kind) => ({
            label: `${kind} ${what}`,
            server: pair[kind],
            run: (slice: { warmupSec: number; durationSec: number }) =>
              load.stream({ address: pair[kind].address, tls, shape: 'server', concurrency: 2, sizeBytes, messagesPerCall, ...slice }),
          }));
          const [b, c] = (await runInterleaved(load, arms, interleave)).map(streamMeasurement);
          measurements.push(b, c);
          comparisons.push(ratio(`messages/s certrpc/bare ${what}`, c, b, messagesPerSecond, target));
          comparisons.push(ratio(`server cpu per message certrpc/bare ${what}`, c, b, serverCpuPerMessage));
        }
      };
      await streamRows({ bare, certrpc }, '', STREAM_RATE);
      // The same rows on two more servers that each hold 16 MB of application state, as any real
      // service does: both then sit above V8's 8 MB marking threshold, which bare grpc-js alone
      // (7.5 MB after the unary rows) stays under and certrpc (8.2 MB) does not. No target: it
      // tells a per-message cost (which would show here too) from where the threshold falls.
      const withState = {
        bare: await startServer('bare', { ...base, appStateMb: 16 }),
        certrpc: await startServer('certrpc', {
          ...base,
          policyFile: onDeny.policyFile,
          auditFile: onDeny.auditFile,
          auditMode: 'on_deny',
          appStateMb: 16,
        }),
      };
      servers.push(withState.bare, withState.certrpc);
      // Unmeasured, each alike: certrpc's server does a few full GCs in its first second of
      // streaming after start-up (its first mark-compacts size the old generation), bare none.
      for (const server of [withState.bare, withState.certrpc])
        await load.stream({
          address: server.address,
          tls,
          shape: 'server',
          concurrency: 2,
          sizeBytes: 64 * 1024,
          messagesPerCall: 100,
          warmupSec: 0,
          durationSec: 2,
        });
      await streamRows(withState, ', both servers holding 16 MB of application state');
      // Row 6: a new mTLS connection (full handshake, grpc-js client) + one call; and what resumption gives certrpc clients.
      const handshakeArm = (label: string, server: BenchServer, client: 'grpc' | 'certrpc'): Arm => ({
        label,
        server,
        run: (slice) => load.handshakes({ address: server.address, tls, concurrency: 4, client, ...slice }),
      });
      const hs = await runInterleaved(
        load,
        [
          handshakeArm('bare new connection + call (grpc-js client, full handshake)', bare, 'grpc'),
          handshakeArm('certrpc new connection + call (grpc-js client, full handshake)', certrpc, 'grpc'),
          handshakeArm('certrpc new connection + call (certrpc client, resumed)', certrpc, 'certrpc'),
        ],
        interleave,
      );
      const [hb, hc, hr] = hs.map((r) =>
        armMeasurement(
          r,
          r.load.resumed !== undefined ? { resumed: `${((r.load.resumed / Math.max(1, r.load.count)) * 100).toFixed(0)}%` } : {},
        ),
      );
      measurements.push(hb, hc, hr);
      comparisons.push(
        ratio('server cpu per new mTLS connection (handshake + one call) certrpc/bare', hc, hb, serverCpuPerCall, HANDSHAKE_CPU),
      );
      comparisons.push(ratio('connections/s certrpc/bare (full handshakes)', hc, hb, perSecond));
      comparisons.push(ratio('connections/s certrpc client resumed / grpc-js client full (certrpc server)', hr, hc, perSecond));
      comparisons.push(ratio('server cpu per connection resumed/full (certrpc server)', hr, hc, serverCpuPerCall));
    } finally {
      await load.stop();
      await Promise.all(servers.map((s) => s.stop()));
    }
    return {
      scenario: 'call-path',
      measurements,
      comparisons,
      notes: [
        'issue 13\'s table: bare = grpc-js createSsl, no interceptors; certrpc = createServer with a 12-rule policy file and the audit log on_deny (as `certrpc serve --policy policy.yaml --audit on_deny`); "audit all" = the same server auditing every call to a file',
        'unary: demo.v1.Echo/Say on one connection; streaming: Echo/Repeat, 2 streams on one connection; new connection: TCP + mTLS + one Echo/Say + close, 4 in flight',
        'streaming "both servers holding 16 MB of application state": two more servers, each holding 16 MB of plain objects it never touches and warmed by 2 s of 64 KiB streaming (unmeasured); V8 starts incremental marking only past 8 MB of old generation, which bare alone stays under here (docs/BENCHMARKS.md, Heap and GC)',
        'server cpu us/op = server CPU (all threads) per call, message or connection; gc us/op = main-thread GC pauses per op. On 2 shared cores the grpc-js load generator saturates first: CPU per op is the figure to read',
        'the independent scenario repeats the unary and streaming rows with a load process and a bare server that are not certrpc code, against `certrpc serve` itself',
      ],
    };
  },
};
