// Side by side on a shared, noisy machine: the arms of a comparison (certrpc, bare...) take turns
// in short slices, A B B A, so a burst of someone else's work hits both sides alike. The server's
// CPU is sampled exactly when each slice's measured window opens and closes.
import { LoadGenerator } from './load-generator';
import { LoadResult, mergeLoadResults } from './load-result';
import { addSpans, BenchServer, spanBetween, UsageSpan } from './server-launcher';
import type { ServerUsage } from '../servers/server-process';

export interface Arm {
  label: string;
  server: BenchServer;
  /** One slice: `warmupSec` unmeasured, then `durationSec` measured. */
  run(slice: { warmupSec: number; durationSec: number }): Promise<LoadResult>;
}

export interface ArmResult {
  label: string;
  load: LoadResult;
  usage: UsageSpan;
}

export interface InterleaveOptions {
  /** Measured seconds per arm, split over the rounds. */
  durationSec: number;
  rounds: number;
  warmupSec: number;
}

export async function runInterleaved(load: LoadGenerator, arms: Arm[], options: InterleaveOptions): Promise<ArmResult[]> {
  const slices = new Map<Arm, { loads: LoadResult[]; spans: UsageSpan[] }>(arms.map((a) => [a, { loads: [], spans: [] }]));
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? arms : [...arms].reverse();
    for (const arm of order) {
      const { result, span } = await measuredSlice(load, arm, {
        warmupSec: options.warmupSec,
        durationSec: options.durationSec / options.rounds,
      });
      slices.get(arm)!.loads.push(result);
      slices.get(arm)!.spans.push(span);
    }
  }
  return arms.map((arm) => ({ label: arm.label, load: mergeLoadResults(slices.get(arm)!.loads), usage: addSpans(slices.get(arm)!.spans) }));
}

async function measuredSlice(
  load: LoadGenerator,
  arm: Arm,
  slice: { warmupSec: number; durationSec: number },
): Promise<{ result: LoadResult; span: UsageSpan }> {
  const samples: Promise<ServerUsage>[] = [];
  const stop = load.onWindow(() => samples.push(arm.server.usage()));
  try {
    const result = await arm.run(slice);
    const [start, end] = await Promise.all(samples);
    if (!start || !end) throw new Error(`${arm.label}: the load process did not report its measured window`);
    return { result, span: spanBetween(start, end) };
  } finally {
    stop();
  }
}
