// Scenario 1: unary calls, certrpc (mTLS + identity + authorization + audit log) vs bare grpc-js,
// over 1 and several connections at each concurrency. Targets: RPS >= 0.95x, p99 <= 1.10x.
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';
import { runInterleaved } from '../lib/interleave';
import { LoadGenerator } from '../lib/load-generator';
import { armMeasurement, p99, perSecond, ratio, serverCpuPerCall } from '../lib/measurement';
import { startPair } from '../lib/server-pair';
import { unaryBreakdown } from '../lib/unary-breakdown';

export const RPS_TARGET = { atLeast: 0.95 };
export const P99_TARGET = { atMost: 1.1 };

export const unaryScenario: Scenario = {
  name: 'unary',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const pair = await startPair('ecdsa-p256');
    const load = await LoadGenerator.start();
    const measurements: Measurement[] = [];
    const comparisons: Comparison[] = [];
    try {
      for (const connections of options.connections) {
        for (const concurrency of options.concurrency) {
          if (concurrency < connections) continue; // fewer calls than connections leaves some idle
          const arms = (['bare', 'certrpc'] as const).map((kind) => ({
            label: `${kind} c=${concurrency} conns=${connections}`,
            server: pair[kind],
            run: (slice: { warmupSec: number; durationSec: number }) =>
              load.unary({ address: pair[kind].address, tls: pair.clientTls, connections, concurrency, message: 'hello', ...slice }),
          }));
          const [bare, certrpc] = (
            await runInterleaved(load, arms, { durationSec: options.durationSec, rounds: 2, warmupSec: options.quick ? 0.3 : 0.5 })
          ).map((r) => armMeasurement(r));
          measurements.push(bare, certrpc);
          const where = `c=${concurrency} conns=${connections}`;
          comparisons.push(
            ratio(`RPS certrpc/bare ${where}`, certrpc, bare, perSecond, RPS_TARGET),
            ratio(`p99 certrpc/bare ${where}`, certrpc, bare, p99, P99_TARGET),
            // On 2 cores the grpc-js load generator saturates before the server: CPU per call is the cost itself.
            ratio(`server cpu/call certrpc/bare ${where}`, certrpc, bare, serverCpuPerCall),
          );
        }
      }
      if (!options.quick) {
        // Six servers: 60% of the duration each keeps the full run near 10 minutes.
        const breakdown = await unaryBreakdown(pair.set, load, { durationSec: options.durationSec * 0.6, concurrency: 16 });
        measurements.push(...breakdown.measurements);
        comparisons.push(...breakdown.comparisons);
      }
    } finally {
      await load.stop();
      await pair.stop();
    }
    const auditMb = pair.auditBytes() / (1024 * 1024);
    return {
      scenario: 'unary',
      measurements,
      comparisons,
      notes: [
        'demo.v1.Echo/Say, ECDSA P-256 certificates on both servers; each pair ran A B B A in turns (same load process, same client code)',
        `certrpc: own mTLS listener + identity stage + authorization (12-rule policy) + audit log of every decision to a file (${auditMb.toFixed(1)} MB written)`,
        ...(options.quick
          ? []
          : [
              '"breakdown" rows (c=16, 1 connection): servers that each add one part of certrpc to bare grpc-js; read their server cpu us/op',
            ]),
      ],
    };
  },
};
