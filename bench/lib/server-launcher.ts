// Starts a bench server (bench/servers/*.ts, compiled to dist-bench) as its own process, so its
// CPU and memory are its own and the load generator never shares its event loop.
//   BENCH_CPU_PROF=DIR  writes a V8 CPU profile of every server process into DIR (node --cpu-prof).
//   BENCH_PERF=1        starts servers with --perf-basic-prof, for `perf record -g -p PID` (on-CPU
//                       samples only: the figures that hold on a machine busy with other work).
//   BENCH_HEAP_SAMPLE=DIR  V8's sampling heap profile of every server process (servers/heap-sampling.ts).
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { IpcClient } from './ipc';
import type { BenchServerConfig, ServerUsage } from '../servers/server-process';

export type ServerKind = 'certrpc' | 'bare';

/** CPU and memory over a measured window (or several, summed). */
export interface UsageSpan {
  cpuMicros: number;
  wallMicros: number;
  /** Highest RSS seen at the end of a window. */
  rssBytes: number;
  /** Main-thread GC pauses and full (mark-compact) collections inside the window(s). */
  gcMicros: number;
  majorGcs: number;
}

/** The span between two samples of a server's counters. */
export function spanBetween(start: ServerUsage, end: ServerUsage): UsageSpan {
  return {
    cpuMicros: end.cpuMicros - start.cpuMicros,
    wallMicros: end.wallMicros - start.wallMicros,
    rssBytes: end.rssBytes,
    gcMicros: end.gcMicros - start.gcMicros,
    majorGcs: end.majorGcs - start.majorGcs,
  };
}

export class BenchServer {
  constructor(
    readonly kind: ServerKind,
    readonly port: number,
    private readonly ipc: IpcClient,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.ipc.child.pid;
  }

  /** The server's counters now; gc=true runs a full GC first (for memory figures). */
  usage(gc = false): Promise<ServerUsage> {
    return this.ipc.request<ServerUsage>({ type: 'usage', gc });
  }

  /** Starts a measured window; the returned function ends it and gives the span. */
  async beginWindow(): Promise<() => Promise<UsageSpan>> {
    const start = await this.usage();
    return async () => spanBetween(start, await this.usage());
  }

  async stop(): Promise<void> {
    const child = this.ipc.child;
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await this.ipc.request({ type: 'stop' }).catch(() => undefined);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export function addSpans(spans: UsageSpan[]): UsageSpan {
  return spans.reduce(
    (a, b) => ({
      cpuMicros: a.cpuMicros + b.cpuMicros,
      wallMicros: a.wallMicros + b.wallMicros,
      rssBytes: Math.max(a.rssBytes, b.rssBytes),
      gcMicros: a.gcMicros + b.gcMicros,
      majorGcs: a.majorGcs + b.majorGcs,
    }),
    { cpuMicros: 0, wallMicros: 0, rssBytes: 0, gcMicros: 0, majorGcs: 0 },
  );
}

/** `serversDir`: another build's bench/servers (a before/after comparison in one run); this build's by default. */
export function startServer(
  kind: ServerKind,
  config: BenchServerConfig,
  serversDir = join(__dirname, '..', 'servers'),
): Promise<BenchServer> {
  const profileDir = process.env.BENCH_CPU_PROF;
  const execArgv = [
    '--expose-gc',
    ...(process.env.BENCH_PERF ? ['--perf-basic-prof'] : []),
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${kind}-${Date.now()}.cpuprofile`] : []),
  ];
  const child = fork(join(serversDir, `${kind}-server.js`), [JSON.stringify(config)], {
    execArgv,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const ipc = new IpcClient(child, () => `${kind} server (pid ${child.pid}): ${stderr}`);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} server did not start within 20 s: ${stderr}`));
    }, 20_000);
    child.once('exit', (code) => reject(new Error(`${kind} server exited (${code}) before listening: ${stderr}`)));
    child.on('message', function onReady(raw) {
      const m = raw as { id: number; result?: { port: number }; error?: string };
      if (m.id !== 0) return;
      clearTimeout(timer);
      child.off('message', onReady);
      if (m.error || !m.result) reject(new Error(`${kind} server failed to start: ${m.error}`));
      else resolve(new BenchServer(kind, m.result.port, ipc));
    });
  });
}
