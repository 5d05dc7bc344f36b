// What both bench servers share: read the config, listen, say "ready" with the port, then answer
// the driver's usage and stop requests. CPU and RSS are measured here, inside the server process.
import { constants, PerformanceEntry, PerformanceObserver } from 'node:perf_hooks';
import { serveIpc } from '../lib/ipc';
import { startHeapSampling } from './heap-sampling';

export interface BenchServerConfig {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Raised above certrpc's default (1,000) for the idle-connections scenario. */
  maxConnections?: number;
  /** certrpc only: the authorization policy; without it the server runs identity only. */
  policyFile?: string;
  /** certrpc only: where the audit log goes. */
  auditFile?: string;
  /** certrpc only: which decisions are audited; 'all' (every call) unless told otherwise. */
  auditMode?: 'none' | 'on_deny' | 'all';
  /** certrpc only: feed Prometheus metrics as `serve --metrics` does (the soak scenario). */
  metrics?: boolean;
  /** certrpc only, for cost investigations: gRPC reflection off (on by default, as in createServer). */
  reflection?: boolean;
  /** bare only, for cost investigations: grpc-js server options (certrpc's limits set some). */
  grpcOptions?: Record<string, number | string>;
  /** bare only: a variant that isolates one part of certrpc's cost (see bare-server.ts). */
  variant?: 'noop-interceptor' | 'mtls-listener' | 'node-tls' | 'identity-floor' | 'certrpc-modules';
  /**
   * Both kinds: MB of plain objects the process holds and never touches, as an application's own
   * state would. V8 starts incremental marking only once the old generation passes 8 MB, so a
   * server under that line streams large messages with almost no full GCs and one just above it
   * with many (docs/BENCHMARKS.md, Heap and GC): this puts both servers of a pair on the same side.
   */
  appStateMb?: number;
}

/** One sample of the server's own counters; the driver turns two of them into CPU%. */
export interface ServerUsage {
  cpuMicros: number;
  wallMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** What V8 holds for its heap (live or not) and what ArrayBuffers/Buffers hold outside it: the rest of RSS is code and malloc. */
  heapTotalBytes: number;
  externalBytes: number;
  /** Time the main thread spent paused in garbage collections so far, and how many were full (mark-compact). */
  gcMicros: number;
  majorGcs: number;
}

// Garbage collection, counted as it happens: streaming large messages is as much a GC workload as a
// transport one, and V8 sizes its heap differently for a small process than for a larger one.
const gcTotals = { micros: 0, major: 0 };
function countGarbageCollections(): void {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcTotals.micros += entry.duration * 1000;
      if ((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        gcTotals.major++;
    }
  }).observe({ entryTypes: ['gc'] });
}

export interface RunningBenchServer {
  port: number;
  stop(): Promise<void>;
}

function usage(collectGarbage: boolean): ServerUsage {
  // --expose-gc is set by the launcher: memory figures after a full GC are comparable between runs.
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collectGarbage && gc) {
    gc();
    gc();
  }
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuMicros: cpu.user + cpu.system,
    wallMicros: Number(process.hrtime.bigint() / 1000n),
    rssBytes: memory.rss,
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    externalBytes: memory.external,
    gcMicros: gcTotals.micros,
    majorGcs: gcTotals.major,
  };
}

/** About `mb` MB of live heap in small objects (measured: ~5,450 of these per MB on Node 20). */
function applicationState(mb: number): unknown[] {
  return Array.from({ length: Math.round(mb * 5450) }, (_, i) => ({ i, s: `x${i}`, a: [i, i + 1], o: { k: i } }));
}

export function runServerProcess(start: (config: BenchServerConfig) => Promise<RunningBenchServer>): void {
  const config = JSON.parse(process.argv[2] ?? '{}') as BenchServerConfig;
  if (config.appStateMb) (globalThis as { benchAppState?: unknown[] }).benchAppState = applicationState(config.appStateMb);
  // grpc-js warns about IP-address servernames on every connection; noise, not news.
  process.noDeprecation = true;
  countGarbageCollections();
  const kind = /(\w+)-server\.js$/.exec(process.argv[1] ?? '')?.[1] ?? 'server';
  const heapSampling = process.env.BENCH_HEAP_SAMPLE ? startHeapSampling(process.env.BENCH_HEAP_SAMPLE, kind) : undefined;
  start(config).then(
    (server) => {
      serveIpc({
        usage: (m) => usage(Boolean(m.gc)),
        stop: async () => {
          await server.stop();
          await heapSampling?.write();
          // Exit after the reply is sent, so --cpu-prof profiles are written and the driver is answered.
          setImmediate(() => process.exit(0));
        },
      });
      process.send?.({ id: 0, result: { ready: true, port: server.port } });
    },
    (err: Error) => {
      process.send?.({ id: 0, error: err.stack ?? String(err) });
      process.exit(1);
    },
  );
}
