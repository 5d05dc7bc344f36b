// The independent check, in the shape of issue 13's own measurement: a load process that is not
// certrpc code (bench/independent/load.js: plain @grpc/grpc-js + @grpc/proto-loader) drives
// `certrpc serve --demo --policy policy.yaml --audit on_deny` and a plain grpc-js server written as
// grpc-js's README writes one (bench/independent/bare-server.js: proto-loader, createSsl), same
// certificates. Server CPU is read from /proc for both (neither answers the bench's IPC). On 2
// cores the grpc-js client saturates first, so server CPU per call is the figure to trust.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';
import { benchPki, DEMO_ADMIN } from '../lib/bench-pki';
import { ratio, serverCpuPerCall } from '../lib/measurement';
import { processCpuMicros } from '../lib/proc-cpu';
import { startServe } from '../lib/serve-process';
import { PkiDir } from '../../src/store/pki-dir';

const REPO = join(__dirname, '..', '..', '..');
const INDEPENDENT = join(REPO, 'bench', 'independent');

interface Target {
  label: string;
  address: string;
  pid: number;
}

interface SliceResult {
  count: number;
  errors: number;
  messages: number;
  seconds: number;
  cpuMicros: number;
}

type Mode = 'unary' | 'stream-1k' | 'stream-64k' | 'client-1k' | 'bidi-1k';

function runLoad(
  target: Target,
  files: { ca: string; cert: string; key: string },
  mode: Mode,
  concurrency: number,
  warmupSec: number,
  durationSec: number,
): Promise<SliceResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(INDEPENDENT, 'load.js'),
        target.address,
        files.ca,
        files.cert,
        files.key,
        mode,
        String(concurrency),
        String(warmupSec),
        String(durationSec),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    const samples: number[] = [];
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('window ')) samples.push(processCpuMicros(target.pid));
        else if (line.startsWith('{')) {
          const r = JSON.parse(line) as Omit<SliceResult, 'cpuMicros'>;
          resolve({ ...r, cpuMicros: (samples[1] ?? Number.NaN) - (samples[0] ?? Number.NaN) });
        }
      }
    });
    child.once('exit', (code) => code !== 0 && reject(new Error(`load.js exited ${code}: ${err}`)));
  });
}

function startBareScript(set: {
  caFile: string;
  server: { certFile: string; keyFile: string };
}): Promise<{ child: ChildProcess; address: string }> {
  const child = spawn(process.execPath, [join(INDEPENDENT, 'bare-server.js'), set.caFile, set.server.certFile, set.server.keyFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve({ child, address: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`bare-server.js exited ${code}`)));
  });
}

export const independentScenario: Scenario = {
  name: 'independent',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const set = (await benchPki()).sets['ecdsa-p256'];
    const pki = new PkiDir(set.dir);
    const files = { ca: set.caFile, cert: pki.certFile(DEMO_ADMIN), key: pki.keyFile(DEMO_ADMIN) };
    const serve = await startServe(set.dir, ['--policy', join(REPO, 'policy.yaml'), '--audit', 'on_deny']);
    const bare = await startBareScript(set).catch(async (e) => {
      await serve.stop();
      throw e;
    });
    const targets: Record<'bare' | 'certrpc', Target> = {
      bare: { label: 'bare grpc-js (proto-loader, createSsl)', address: bare.address, pid: bare.child.pid! },
      certrpc: { label: 'certrpc serve --demo --policy policy.yaml --audit on_deny', address: serve.address, pid: serve.child.pid! },
    };
    const measurements: Measurement[] = [];
    const comparisons: Comparison[] = [];
    const cases: { mode: Mode; concurrency: number; what: string }[] = [
      ...(options.quick ? [16] : [1, 16, 32]).map((c) => ({ mode: 'unary' as Mode, concurrency: c, what: `unary c=${c}` })),
      { mode: 'stream-64k', concurrency: 2, what: 'server-streaming 64 KiB, 2 streams' },
      { mode: 'stream-1k', concurrency: 2, what: 'server-streaming 1 KiB, 2 streams' },
      { mode: 'client-1k', concurrency: 2, what: 'client-streaming 1 KiB, 2 streams' },
      { mode: 'bidi-1k', concurrency: 2, what: 'bidi-streaming 1 KiB, 2 streams' },
    ];
    const rounds = options.quick ? 2 : 4;
    const warmupSec = options.quick ? 0.5 : 1;
    try {
      for (const { mode, concurrency, what } of cases) {
        const totals = { bare: [] as SliceResult[], certrpc: [] as SliceResult[] };
        for (let round = 0; round < rounds; round++) {
          for (const kind of round % 2 === 0 ? (['bare', 'certrpc'] as const) : (['certrpc', 'bare'] as const)) {
            totals[kind].push(await runLoad(targets[kind], files, mode, concurrency, warmupSec, Math.max(options.durationSec, 2) / rounds));
          }
        }
        const row = (kind: 'bare' | 'certrpc'): Measurement => {
          const s = totals[kind];
          const sum = (f: (r: SliceResult) => number) => s.reduce((a, r) => a + f(r), 0);
          const seconds = sum((r) => r.seconds);
          const ops = mode === 'unary' ? sum((r) => r.count) : sum((r) => r.messages);
          return {
            label: `${kind} ${what}`,
            // Streaming rows count messages (what their rate is of): a short slice may finish no whole stream.
            count: ops,
            errors: sum((r) => r.errors),
            perSecond: ops / seconds,
            server: { cpuPercent: (sum((r) => r.cpuMicros) / (seconds * 1e6)) * 100 },
            extra: {
              'server cpu us/op': sum((r) => r.cpuMicros) / ops,
              'per-slice ops/s': s.map((r) => ((mode === 'unary' ? r.count : r.messages) / r.seconds).toFixed(0)).join(' '),
            },
          };
        };
        const [b, c] = [row('bare'), row('certrpc')];
        measurements.push(b, c);
        if (mode === 'unary') {
          comparisons.push(
            ratio(`calls/s certrpc/bare ${what}`, c, b, (m) => m.perSecond, concurrency === 32 ? { atLeast: 0.95 } : undefined),
          );
          comparisons.push(ratio(`server cpu/call certrpc/bare ${what}`, c, b, serverCpuPerCall, { atMost: 1.1 }));
        } else {
          comparisons.push(ratio(`messages/s certrpc/bare ${what}`, c, b, (m) => m.perSecond, { atLeast: 0.95 }));
          comparisons.push(ratio(`server cpu/message certrpc/bare ${what}`, c, b, serverCpuPerCall));
        }
      }
    } finally {
      bare.child.kill('SIGTERM');
      await serve.stop();
    }
    return {
      scenario: 'independent',
      measurements,
      comparisons,
      notes: [
        "load: bench/independent/load.js, plain @grpc/grpc-js + @grpc/proto-loader (no certrpc code), one connection, closed loop; client certificate CN=alice (the demo policy's admin)",
        `servers: ${targets.certrpc.label} (its own process, the CLI) vs bench/independent/bare-server.js (grpc-js README style: proto-loader service, ServerCredentials.createSsl, client certificates required); same certificates`,
        "server CPU from /proc/PID/stat (all threads; 10 ms ticks) between the load's window edges; the arms take turns, A B B A",
      ],
    };
  },
};
