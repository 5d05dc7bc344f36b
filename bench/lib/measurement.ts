// Turning load results and server usage into the report's Measurements and Comparisons.
import type { Comparison, Measurement } from '../scenario';
import type { ArmResult } from './interleave';
import { summarizeLatency } from './load-result';

const MB = 1024 * 1024;

/** A load arm as a report row: throughput of completed operations, latency, statuses, server CPU/RSS. */
export function armMeasurement(arm: ArmResult, extra: Record<string, number | string> = {}): Measurement {
  const { load, usage } = arm;
  const serverCpuUsPerOp = load.count > 0 ? usage.cpuMicros / load.count : undefined;
  return {
    label: arm.label,
    count: load.count,
    errors: load.errors,
    perSecond: load.elapsedSec > 0 ? load.count / load.elapsedSec : 0,
    latencyMs: summarizeLatency(load.latenciesMs),
    statusCodes: load.statusCodes,
    server: { cpuPercent: usage.wallMicros > 0 ? (usage.cpuMicros / usage.wallMicros) * 100 : undefined, rssMb: usage.rssBytes / MB },
    extra: {
      ...(serverCpuUsPerOp !== undefined ? { 'server cpu us/op': serverCpuUsPerOp, 'gc us/op': usage.gcMicros / load.count } : {}),
      ...(load.errorSamples ? { 'first error': load.errorSamples[0] } : {}),
      ...extra,
    },
  };
}

/** A streaming arm as a report row: messages and MB received per second, server CPU and GC per message. */
export function streamMeasurement(arm: ArmResult): Measurement {
  const messages = arm.load.messages ?? 0;
  const perMessage = (micros: number) => (messages > 0 ? micros / messages : Number.NaN);
  return armMeasurement(arm, {
    'msg/s': messages / arm.load.elapsedSec,
    'MB/s': megabytes(arm.load.bytes) / arm.load.elapsedSec,
    'server cpu us/msg': perMessage(arm.usage.cpuMicros),
    'gc us/msg': perMessage(arm.usage.gcMicros),
    'full GCs': arm.usage.majorGcs,
  });
}

export interface Target {
  atLeast?: number;
  atMost?: number;
  /** Strictly more than (e.g. "faster than": > 1). */
  above?: number;
}

/** subject / baseline of one figure, with the target if it has one. */
export function ratio(
  name: string,
  subject: Measurement,
  baseline: Measurement,
  figure: (m: Measurement) => number | undefined,
  target?: Target,
): Comparison {
  const a = figure(subject);
  const b = figure(baseline);
  const value = a !== undefined && b !== undefined && b !== 0 ? a / b : Number.NaN;
  const comparison: Comparison = { name, value, subject: subject.label, baseline: baseline.label };
  if (target?.atLeast !== undefined) Object.assign(comparison, { target: `>= ${target.atLeast}`, met: value >= target.atLeast });
  else if (target?.atMost !== undefined) Object.assign(comparison, { target: `<= ${target.atMost}`, met: value <= target.atMost });
  else if (target?.above !== undefined) Object.assign(comparison, { target: `> ${target.above}`, met: value > target.above });
  return comparison;
}

export const perSecond = (m: Measurement) => m.perSecond;
export const p99 = (m: Measurement) => m.latencyMs?.p99;
export const serverCpuPerCall = (m: Measurement) => Number(m.extra?.['server cpu us/op']);
export const megabytes = (bytes: number | undefined) => (bytes ?? 0) / MB;
export const messagesPerSecond = (m: Measurement) => Number(m.extra?.['msg/s']);
export const serverCpuPerMessage = (m: Measurement) => Number(m.extra?.['server cpu us/msg']);
