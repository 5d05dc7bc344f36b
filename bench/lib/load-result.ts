// What a load run brings back, how slices of the same measurement are merged, and the ghz-style
// latency summary (nearest-rank percentiles over every sample; no histogram needed at these counts).
import { status as Status } from '@grpc/grpc-js';
import type { Measurement } from '../scenario';

export interface LoadResult {
  /** Operations finished in the measured window (calls, streams, handshakes), errors included. */
  count: number;
  errors: number;
  elapsedSec: number;
  latenciesMs: number[];
  /** By gRPC status name ("OK", "UNAVAILABLE"), or "ERROR <code>" for failures below gRPC. */
  statusCodes: Record<string, number>;
  /** Streaming: messages and payload bytes received. */
  messages?: number;
  bytes?: number;
  /** Handshakes: how many TLS sessions were resumed. */
  resumed?: number;
  /** The first few error messages, to say what went wrong. */
  errorSamples?: string[];
}

/** Collects one load run's samples. */
export class Recorder {
  readonly latenciesMs: number[] = [];
  readonly statusCodes: Record<string, number> = {};
  errors = 0;
  messages = 0;
  bytes = 0;
  resumed = 0;
  readonly errorSamples: string[] = [];

  record(latencyMs: number, outcome: number | string, error?: string): void {
    this.latenciesMs.push(latencyMs);
    const name = typeof outcome === 'number' ? (Status[outcome] ?? `STATUS ${outcome}`) : `ERROR ${outcome}`;
    this.statusCodes[name] = (this.statusCodes[name] ?? 0) + 1;
    if (outcome !== Status.OK) {
      this.errors++;
      if (error && this.errorSamples.length < 3) this.errorSamples.push(error);
    }
  }

  result(elapsedSec: number): LoadResult {
    return {
      count: this.latenciesMs.length,
      errors: this.errors,
      elapsedSec,
      latenciesMs: this.latenciesMs.map((ms) => Math.round(ms * 1000) / 1000),
      statusCodes: this.statusCodes,
      messages: this.messages || undefined,
      bytes: this.bytes || undefined,
      resumed: this.resumed || undefined,
      errorSamples: this.errorSamples.length ? this.errorSamples : undefined,
    };
  }
}

export function mergeLoadResults(results: LoadResult[]): LoadResult {
  const sum = (pick: (r: LoadResult) => number | undefined) => results.reduce((a, r) => a + (pick(r) ?? 0), 0);
  const statusCodes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.statusCodes)) statusCodes[k] = (statusCodes[k] ?? 0) + v;
  const errorSamples = results.flatMap((r) => r.errorSamples ?? []).slice(0, 3);
  return {
    count: sum((r) => r.count),
    errors: sum((r) => r.errors),
    elapsedSec: sum((r) => r.elapsedSec),
    latenciesMs: results.flatMap((r) => r.latenciesMs),
    statusCodes,
    messages: sum((r) => r.messages) || undefined,
    bytes: sum((r) => r.bytes) || undefined,
    resumed: sum((r) => r.resumed) || undefined,
    errorSamples: errorSamples.length ? errorSamples : undefined,
  };
}

export function summarizeLatency(samplesMs: number[]): Measurement['latencyMs'] {
  if (samplesMs.length === 0) return undefined;
  const sorted = Float64Array.from(samplesMs).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  let total = 0;
  for (const v of sorted) total += v;
  return { fastest: sorted[0], average: total / sorted.length, slowest: sorted[sorted.length - 1], p50: at(50), p90: at(90), p99: at(99) };
}
