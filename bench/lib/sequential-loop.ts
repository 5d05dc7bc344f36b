// For slow operations (a process per certificate): run them one after another for a while, and at
// least a few times, timing each. Throughput = count / time actually spent.
import { performance } from 'node:perf_hooks';
import { LoadResult, Recorder } from './load-result';

export async function runSequential(durationSec: number, minCount: number, operation: (i: number) => Promise<void>): Promise<LoadResult> {
  const recorder = new Recorder();
  const started = performance.now();
  const end = started + durationSec * 1000;
  for (let i = 0; performance.now() < end || i < minCount; i++) {
    const began = performance.now();
    try {
      await operation(i);
      recorder.record(performance.now() - began, 0);
    } catch (err) {
      recorder.record(performance.now() - began, 'FAILED', (err as Error).message);
    }
  }
  return recorder.result((performance.now() - started) / 1000);
}
