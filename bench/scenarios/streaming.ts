// Scenario 2: streaming throughput in the three streaming shapes (server: Echo/Repeat, client:
// Echo/Collect, bidi: Echo/Chat) with 1 KiB and 64 KiB messages, certrpc vs bare grpc-js.
// The call gate runs once per stream, so what differs per message is the transport (certrpc's
// own TLS listener + injector vs grpc-js's http2.createSecureServer) and the process around it.
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';
import { runInterleaved } from '../lib/interleave';
import { LoadGenerator } from '../lib/load-generator';
import { messagesPerSecond, ratio, serverCpuPerMessage, streamMeasurement } from '../lib/measurement';
import { startPair } from '../lib/server-pair';
import { streamBreakdown } from '../lib/stream-breakdown';
import type { StreamShape } from '../lib/stream-load';

const KiB = 1024;
interface StreamCase {
  shape: StreamShape;
  sizeBytes: number;
  /** Each stream carries 1 to 6.4 MB. */
  messagesPerCall: number;
  /** A client that pings while it receives (grpc-go, gRPC C-core), instead of grpc-js's. */
  probeBandwidth?: boolean;
}

const CASES: StreamCase[] = [
  { shape: 'server', sizeBytes: KiB, messagesPerCall: 1000 },
  { shape: 'server', sizeBytes: 64 * KiB, messagesPerCall: 100 },
  { shape: 'client', sizeBytes: KiB, messagesPerCall: 1000 },
  // Collect answers with every message joined: 50 x 64 KiB keeps that answer under grpc-js's 4 MiB default.
  { shape: 'client', sizeBytes: 64 * KiB, messagesPerCall: 50 },
  { shape: 'bidi', sizeBytes: KiB, messagesPerCall: 1000 },
  { shape: 'bidi', sizeBytes: 64 * KiB, messagesPerCall: 100 },
  { shape: 'server', sizeBytes: 64 * KiB, messagesPerCall: 100, probeBandwidth: true },
];
const STREAMS_IN_FLIGHT = 2;
/** The target: per-message cost equal to bare grpc-js, within 5%. */
const AT_LEAST = 0.95;

export const streamingScenario: Scenario = {
  name: 'streaming',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const pair = await startPair('ecdsa-p256');
    const load = await LoadGenerator.start();
    const measurements: Measurement[] = [];
    const comparisons: Comparison[] = [];
    try {
      for (const { shape, sizeBytes, messagesPerCall, probeBandwidth } of CASES) {
        const what = `${shape}-streaming ${sizeBytes / KiB} KiB${probeBandwidth ? ', client pinging as grpc-go' : ''}`;
        const arms = (['bare', 'certrpc'] as const).map((kind) => ({
          label: `${kind} ${what} x${messagesPerCall}/stream`,
          server: pair[kind],
          run: (slice: { warmupSec: number; durationSec: number }) =>
            load.stream({
              address: pair[kind].address,
              tls: pair.clientTls,
              shape,
              probeBandwidth,
              concurrency: STREAMS_IN_FLIGHT,
              sizeBytes,
              messagesPerCall,
              ...slice,
            }),
        }));
        const [bare, certrpc] = (
          await runInterleaved(load, arms, {
            durationSec: options.durationSec,
            rounds: options.quick ? 1 : 2,
            warmupSec: options.quick ? 0.3 : 0.5,
          })
        ).map(streamMeasurement);
        measurements.push(bare, certrpc);
        comparisons.push(ratio(`messages/s certrpc/bare ${what}`, certrpc, bare, messagesPerSecond, { atLeast: AT_LEAST }));
        // Inverted (bare/certrpc), so that "equal cost" reads 1 and the same target applies.
        comparisons.push(ratio(`server cpu per message bare/certrpc ${what}`, bare, certrpc, serverCpuPerMessage, { atLeast: AT_LEAST }));
      }
      if (!options.quick) {
        // Full runs only (a smoke run has six pairs to get through already): which part of certrpc the per-message cost comes with (see stream-breakdown.ts).
        for (const { sizeBytes, messagesPerCall } of CASES.filter((c) => c.shape === 'server' && !c.probeBandwidth)) {
          const breakdown = await streamBreakdown(pair.set, load, {
            durationSec: options.durationSec,
            sizeBytes,
            messagesPerCall,
            streams: STREAMS_IN_FLIGHT,
          });
          measurements.push(...breakdown.measurements);
          comparisons.push(...breakdown.comparisons);
        }
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
        `demo.v1.Echo Repeat (server), Collect (client), Chat (bidi); ${STREAMS_IN_FLIGHT} streams in flight on one connection; "per s" counts whole streams, msg/s and MB/s count messages received in the window (client-streaming: by the server, as its answer reports)`,
        '"client pinging as grpc-go": a raw HTTP/2 client with one PING in flight while it receives (BDP probes, as grpc-go and gRPC C-core clients send), against each server\'s ping policy',
        'server cpu us/msg = server CPU time (all threads, GC helpers included) per message; gc us/msg = main-thread GC pauses per message; full GCs = mark-compacts in the window',
        'the gate runs once per stream: the per-message cost is the transport and the process (heap, GC) around it',
        '"breakdown" rows (full runs, server-streaming): bare grpc-js, then with certrpc\'s TLS listener, then with certrpc\'s modules merely loaded (its heap), then holding 2 MB of plain objects (heap size alone), then certrpc; read server cpu us/msg and gc us/msg',
      ],
    };
  },
};
