// `npm run bench -- --quick` end to end, as a child process: every registered scenario completes
// with its baseline and ratios and zero errors. Figures are never asserted (no timing asserts):
// only the report's shape, which is what a reader of bench/results/latest.json relies on.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioResult } from '../../bench/scenario';
import { scenarios } from '../../bench/scenarios';
import { tempDir } from '../helpers/temp-dir';
import { captureOutput } from '../helpers/test-run';

const ROOT = join(__dirname, '..', '..');
// tsc of src + bench, then every scenario in quick mode (budget: well under 2 minutes).
jest.setTimeout(300_000);

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    captureOutput(child, args);
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

interface Report {
  seconds: number;
  options: { quick: boolean };
  machine: { cpus: number; node: string };
  results: ScenarioResult[];
}

let tmp: ReturnType<typeof tempDir>;
let report: Report;
let printed: string;

beforeAll(async () => {
  tmp = tempDir('certrpc-bench-test-');
  const build = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.bench.json']);
  if (build.code !== 0) throw new Error(`tsc -p tsconfig.bench.json failed:\n${build.output}`);
  const out = join(tmp.dir, 'latest.json');
  const bench = await run(process.execPath, [join(ROOT, 'dist-bench', 'bench', 'main.js'), '--quick', '--out', out]);
  printed = bench.output;
  if (bench.code !== 0) throw new Error(`bench --quick exited with ${bench.code}:\n${bench.output.slice(-6000)}`);
  report = JSON.parse(readFileSync(out, 'utf8')) as Report;
});
afterAll(() => tmp?.cleanup());

it('runs every registered scenario in quick mode and prints each one', () => {
  expect(report.options.quick).toBe(true);
  expect(report.machine.cpus).toBeGreaterThan(0);
  expect(report.results.map((r) => r.scenario).sort()).toEqual(scenarios.map((s) => s.name).sort());
  for (const name of scenarios.map((s) => s.name)) expect(printed).toContain(`== ${name} ==`);
});

it('completes every scenario with zero errors, each measurement with a count and a throughput', () => {
  for (const result of report.results) {
    expect({ scenario: result.scenario, failed: result.failed }).toEqual({ scenario: result.scenario, failed: undefined });
    expect(result.measurements.length).toBeGreaterThanOrEqual(2);
    for (const m of result.measurements) {
      expect({ scenario: result.scenario, label: m.label, errors: m.errors }).toEqual({
        scenario: result.scenario,
        label: m.label,
        errors: 0,
      });
      expect(m.count).toBeGreaterThan(0);
      expect(Number.isFinite(m.perSecond)).toBe(true);
    }
  }
});

it('gives every scenario its ratios, and a ratio of two rows names rows that exist (its baseline)', () => {
  for (const result of report.results) {
    expect(result.comparisons.length).toBeGreaterThanOrEqual(1);
    const labels = new Set(result.measurements.map((m) => m.label));
    for (const c of result.comparisons) {
      expect(Number.isFinite(c.value)).toBe(true);
      if (c.target !== undefined) expect(typeof c.met).toBe('boolean');
      if (c.baseline !== undefined) expect(labels.has(c.baseline) && labels.has(c.subject ?? '')).toBe(true);
    }
  }
});

it('reports the ghz figures for the certrpc/bare pairs: latency percentiles, status codes, server CPU and RSS', () => {
  const unary = report.results.find((r) => r.scenario === 'unary')!;
  expect(unary.measurements.map((m) => m.label)).toEqual(
    expect.arrayContaining([expect.stringMatching(/^bare /), expect.stringMatching(/^certrpc /)]),
  );
  for (const m of unary.measurements) {
    expect(Object.keys(m.latencyMs ?? {}).sort()).toEqual(['average', 'fastest', 'p50', 'p90', 'p99', 'slowest']);
    expect(m.statusCodes).toEqual({ OK: m.count });
    expect(m.server?.cpuPercent).toBeGreaterThan(0);
    expect(m.server?.rssMb).toBeGreaterThan(0);
  }
  const names = unary.comparisons.map((c) => c.name);
  expect(names.some((n) => n.startsWith('RPS certrpc/bare'))).toBe(true);
  expect(names.some((n) => n.startsWith('p99 certrpc/bare'))).toBe(true);
  for (const c of unary.comparisons) expect(c.baseline).toMatch(/^bare /);
});

it('reports streaming in every shape and size, each pair with its messages/s and server CPU per message ratios and targets', () => {
  const streaming = report.results.find((r) => r.scenario === 'streaming')!;
  for (const shape of ['server', 'client', 'bidi']) {
    for (const size of ['1 KiB', '64 KiB']) {
      const what = `${shape}-streaming ${size}`;
      for (const kind of ['bare', 'certrpc']) {
        const row = streaming.measurements.find((m) => m.label.startsWith(`${kind} ${what} `));
        expect({ what, kind, cpuPerMessage: Number.isFinite(Number(row?.extra?.['server cpu us/msg'])) }).toEqual({
          what,
          kind,
          cpuPerMessage: true,
        });
      }
      const ratios = streaming.comparisons
        .filter((c) => c.name.endsWith(` ${what}`))
        .map((c) => [c.name.replace(` ${what}`, ''), c.target]);
      expect(ratios).toEqual([
        ['messages/s certrpc/bare', '>= 0.95'],
        ['server cpu per message bare/certrpc', '>= 0.95'],
      ]);
    }
  }
});

it("reports issue 13's table in the call-path scenario, each row with its target, and the independent check against certrpc serve", () => {
  const table = report.results.find((r) => r.scenario === 'call-path')!;
  const targets = Object.fromEntries(table.comparisons.filter((c) => c.target).map((c) => [c.name, c.target]));
  expect(targets).toMatchObject({
    'unary calls/s certrpc/bare c=32, one connection': '>= 0.95',
    'server cpu per unary call certrpc/bare c=1': '<= 1.1',
    'server cpu per unary call certrpc/bare c=16': '<= 1.1',
    'server cpu per call, audit all, certrpc/bare c=16': '<= 1.2',
    'messages/s certrpc/bare server-streaming 64 KiB, 2 streams': '>= 0.95',
    'messages/s certrpc/bare server-streaming 1 KiB, 2 streams': '>= 0.95',
    'server cpu per new mTLS connection (handshake + one call) certrpc/bare': '<= 1.05',
  });
  // certrpc's own clients resumed their sessions; grpc-js's made full handshakes.
  const resumed = table.measurements.find((m) => m.label.includes('certrpc client, resumed'));
  expect(Number(String(resumed?.extra?.resumed).replace('%', ''))).toBeGreaterThan(0);
  const independent = report.results.find((r) => r.scenario === 'independent')!;
  expect(independent.measurements.map((m) => m.label)).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^bare unary/),
      expect.stringMatching(/^certrpc unary/),
      expect.stringMatching(/^certrpc server-streaming 64 KiB/),
      expect.stringMatching(/^certrpc client-streaming 1 KiB/),
      expect.stringMatching(/^bare bidi-streaming 1 KiB/),
    ]),
  );
});
