// Scenario: what `require()` of each entry point costs, measured inside fresh Node processes
// (the time the require call takes, not Node's own start-up), next to `require('@grpc/grpc-js')`
// alone in the same run, taking turns A B B A. Target (issue 14): certrpc/client <= 1.5x grpc-js.
// Also reports whether the entry point installed the global Reflect polyfill (only certrpc/pki and
// certrpc, which include the PKI library, may).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { linkPackageFiles } from '../lib/dist-layout';
import { summarizeLatency } from '../lib/load-result';
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';

const run = promisify(execFile);
export const CLIENT_RATIO_TARGET = 1.5;
/** The compiled entry points of this build (dist-bench/src/entry/). */
const ENTRY = join(__dirname, '..', '..', 'src', 'entry');
const ROOT = join(__dirname, '..', '..', '..');

export const IMPORTS: { label: string; module: string }[] = [
  { label: "require('@grpc/grpc-js')", module: '@grpc/grpc-js' },
  { label: "require('certrpc/client')", module: join(ENTRY, 'client.js') },
  { label: "require('certrpc/server')", module: join(ENTRY, 'server.js') },
  { label: "require('certrpc/pki')", module: join(ENTRY, 'pki.js') },
  { label: "require('certrpc')", module: join(ENTRY, 'index.js') },
];

// Prints the milliseconds the require took and whether Reflect.getMetadata (reflect-metadata's polyfill) exists after it.
const PROBE =
  'const t=process.hrtime.bigint();require(process.argv[1]);const ms=Number(process.hrtime.bigint()-t)/1e6;console.log(JSON.stringify({ms,polyfill:typeof Reflect.getMetadata==="function"}))';

export async function measureImport(module: string): Promise<{ ms: number; polyfill: boolean }> {
  const { stdout } = await run(process.execPath, ['-e', PROBE, module], { cwd: ROOT });
  return JSON.parse(stdout) as { ms: number; polyfill: boolean };
}

export const importCostScenario: Scenario = {
  name: 'import-cost',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    linkPackageFiles();
    const runs = options.quick ? 5 : 25;
    const samples = IMPORTS.map(() => [] as number[]);
    const polyfill = IMPORTS.map(() => false);
    for (let i = 0; i < runs; i++) {
      const order = IMPORTS.map((_, k) => k);
      for (const k of i % 2 === 0 ? order : order.reverse()) {
        const r = await measureImport(IMPORTS[k].module);
        samples[k].push(r.ms);
        polyfill[k] ||= r.polyfill;
      }
    }
    const measurements: Measurement[] = IMPORTS.map((imp, k) => ({
      label: imp.label,
      count: samples[k].length,
      errors: 0,
      // requires per second of time spent requiring (1000 / average ms)
      perSecond: samples[k].length / (samples[k].reduce((a, ms) => a + ms, 0) / 1000),
      latencyMs: summarizeLatency(samples[k]),
      extra: { 'Reflect polyfill': polyfill[k] ? 'yes' : 'no' },
    }));
    const p50 = (k: number) => measurements[k].latencyMs?.p50 ?? Number.NaN;
    const ratio = p50(1) / p50(0);
    return {
      scenario: 'import-cost',
      measurements,
      comparisons: [
        {
          name: "require('certrpc/client') / require('@grpc/grpc-js') p50",
          value: ratio,
          target: `<= ${CLIENT_RATIO_TARGET}`,
          met: ratio <= CLIENT_RATIO_TARGET,
          subject: measurements[1].label,
          baseline: measurements[0].label,
        },
        {
          name: "require('certrpc/server') / require('@grpc/grpc-js') p50",
          value: p50(2) / p50(0),
          subject: measurements[2].label,
          baseline: measurements[0].label,
        },
        {
          name: "require('certrpc') / require('@grpc/grpc-js') p50",
          value: p50(4) / p50(0),
          subject: measurements[4].label,
          baseline: measurements[0].label,
        },
      ],
      notes: [
        `${runs} fresh processes per row, taking turns; the latency columns are the milliseconds require() took inside the process (Node's start-up excluded)`,
        'certrpc/client must not load @peculiar/x509 (the Reflect polyfill), yaml, zod, prom-client, pino or commander: createReloadingClient loads its file reloader when called',
      ],
    };
  },
};
