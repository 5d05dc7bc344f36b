// BENCH_HEAP_SAMPLE=DIR: V8's sampling heap profiler over a bench server's whole life, written to
// DIR/<kind>-<pid>.heapprofile at stop (open it in Chrome DevTools, Memory). By default every
// allocation is counted, also what a scavenge collects: bytes allocated per call. With
// BENCH_HEAP_SAMPLE_SURVIVORS=1 only what survives a scavenge: what makes a scavenge expensive
// (how the unary excess was found: docs/BENCHMARKS.md, "Unary calls: the cause, found and fixed").
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface HeapSampling {
  /** Stops sampling and writes the profile. */
  write(): Promise<void>;
}

export function startHeapSampling(dir: string, kind: string): HeapSampling {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
  const started = post('HeapProfiler.startSampling', {
    samplingInterval: 512,
    includeObjectsCollectedByMinorGC: !process.env.BENCH_HEAP_SAMPLE_SURVIVORS,
    includeObjectsCollectedByMajorGC: true,
  });
  return {
    async write() {
      await started;
      const { profile } = (await post('HeapProfiler.stopSampling')) as { profile: unknown };
      writeFileSync(join(dir, `${kind}-${process.pid}.heapprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}
