// The closed-loop load pattern (as ghz runs it): `concurrency` workers each issue one operation,
// wait for it, issue the next. After a warm-up, only operations that COMPLETE inside the measured
// window count, so throughput is exactly completions / window length.
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Recorder } from './load-result';

export interface TimedOptions {
  concurrency: number;
  warmupSec: number;
  durationSec: number;
}

export interface Window {
  start: number;
  end: number;
  contains(now?: number): boolean;
}

/**
 * 'start' and 'end' fire when the measured window opens and closes: the load process forwards
 * them to the driver, which samples the server's CPU at exactly those moments.
 */
export const windowEdges = new EventEmitter<{ start: []; end: [] }>();

/** Starts one operation; `slot` is the worker's index (to pick its connection or session). */
export type Operation = (done: (outcome: number | string, error?: string) => void, slot: number, window: Window) => void;

/** Runs the workers until the window closes and every operation in flight has finished. */
export function runTimed(options: TimedOptions, operation: Operation, recorder: Recorder): Promise<number> {
  const start = performance.now() + options.warmupSec * 1000;
  const end = start + options.durationSec * 1000;
  const window: Window = { start, end, contains: (now = performance.now()) => now >= start && now < end };
  // Each edge fires once, by its timer or by the first worker to see the time pass (timers run
  // late under load), and always before the result: the driver must sample the server first.
  let opened = false;
  let closed = false;
  const open = () => {
    if (!opened) windowEdges.emit('start');
    opened = true;
  };
  const close = () => {
    open();
    if (!closed) windowEdges.emit('end');
    closed = true;
  };
  const timers = [setTimeout(open, start - performance.now()), setTimeout(close, end - performance.now())];
  return new Promise((resolve) => {
    let running = options.concurrency;
    const next = (slot: number) => {
      const began = performance.now();
      if (began >= end) {
        close();
        if (--running === 0) {
          timers.forEach(clearTimeout);
          resolve((end - start) / 1000);
        }
        return;
      }
      if (began >= start) open();
      operation(
        (outcome, error) => {
          const now = performance.now();
          if (window.contains(now)) recorder.record(now - began, outcome, error);
          // setImmediate: an operation that fails synchronously must not recurse without bound.
          setImmediate(next, slot);
        },
        slot,
        window,
      );
    };
    for (let slot = 0; slot < options.concurrency; slot++) next(slot);
  });
}
