// Scenario 2: server-streaming throughput (Echo/Repeat), messages/s and MB/s with 1 KiB and
// 64 KiB messages, certrpc vs bare grpc-js. The call gate runs once per stream, so the gap here
// is the transport (certrpc's own TLS listener + injector vs grpc-js's http2.createSecureServer).
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';
import { runInterleaved } from '../lib/interleave';
import { LoadGenerator } from '../lib/load-generator';
import { armMeasurement, megabytes, ratio } from '../lib/measurement';
import { startPair } from '../lib/server-pair';

/** Message size -> messages per stream: each stream carries 1 to 6.4 MB. */
const SIZES: [number, number][] = [
  [1024, 1000],
  [64 * 1024, 100],
];
const STREAMS_IN_FLIGHT = 2;

const messagesPerSecond = (m: Measurement) => Number(m.extra?.['msg/s']);

export const streamingScenario: Scenario = {
  name: 'streaming',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const pair = await startPair('ecdsa-p256');
    const load = await LoadGenerator.start();
    const measurements: Measurement[] = [];
    const comparisons: Comparison[] = [];
    try {
      for (const [sizeBytes, messagesPerCall] of SIZES) {
        const size = `${sizeBytes / 1024} KiB`;
        const arms = (['bare', 'certrpc'] as const).map((kind) => ({
          label: `${kind} ${size} x${messagesPerCall}/stream`,
          server: pair[kind],
          run: (slice: { warmupSec: number; durationSec: number }) =>
            load.stream({ address: pair[kind].address, tls: pair.clientTls, concurrency: STREAMS_IN_FLIGHT, sizeBytes, messagesPerCall, ...slice }),
        }));
        const results = await runInterleaved(load, arms, { durationSec: options.durationSec, rounds: 2, warmupSec: options.quick ? 0.3 : 0.5 });
        const [bare, certrpc] = results.map((r) =>
          armMeasurement(r, {
            'msg/s': (r.load.messages ?? 0) / r.load.elapsedSec,
            'MB/s': megabytes(r.load.bytes) / r.load.elapsedSec,
          }),
        );
        measurements.push(bare, certrpc);
        comparisons.push(ratio(`messages/s certrpc/bare ${size}`, certrpc, bare, messagesPerSecond));
      }
    } finally {
      await load.stop();
      await pair.stop();
    }
    return {
      scenario: 'streaming',
      measurements,
      comparisons,
      notes: [
        `demo.v1.Echo/Repeat, ${STREAMS_IN_FLIGHT} streams in flight on one connection; "per s" counts whole streams, msg/s and MB/s count messages received in the window`,
        'no target in the issue for streaming; the gate runs once per stream, so the ratio is the transport cost',
      ],
    };
  },
};
