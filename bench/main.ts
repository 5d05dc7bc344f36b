// `npm run bench [-- --quick] [--only NAME] [--duration S] [--concurrency 1,16,128] [--connections 1,4]`
// Runs every scenario, prints a table per scenario and writes bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { bundleCli, linkPackageFiles } from './lib/dist-layout';
import { BenchOptions, Scenario, ScenarioResult } from './scenario';
import { scenarios } from './scenarios';
import { formatResult, formatTargets } from './report';

function parseArgs(argv: string[]): BenchOptions & { only?: string[]; out: string } {
  const get = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const quick = argv.includes('--quick');
  const list = (v: string | undefined, d: number[]) => (v ? v.split(',').map(Number) : d);
  return {
    quick,
    durationSec: Number(get('--duration') ?? (quick ? 1 : 10)),
    concurrency: list(get('--concurrency'), quick ? [1, 16] : [1, 16, 128]),
    connections: list(get('--connections'), quick ? [1] : [1, 4]),
    only: get('--only')?.split(','),
    out: get('--out') ?? join(__dirname, '..', '..', 'bench', 'results', 'latest.json'),
  };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  linkPackageFiles();
  bundleCli();
  const unknown = options.only?.filter((name) => !scenarios.some((s) => s.name === name)) ?? [];
  if (unknown.length)
    throw new Error(`--only: no scenario named ${unknown.join(', ')} (there are: ${scenarios.map((s) => s.name).join(', ')})`);
  const selected: Scenario[] = scenarios.filter((s) => !options.only || options.only.includes(s.name));
  const loadAverageAtStart = loadavg();
  const results: ScenarioResult[] = [];
  const started = Date.now();
  for (const scenario of selected) {
    process.stderr.write(`running ${scenario.name}...\n`);
    const began = Date.now();
    let result: ScenarioResult;
    try {
      result = await scenario.run(options);
    } catch (err) {
      // One scenario failing must not hide the others' figures: record it and go on.
      result = { scenario: scenario.name, measurements: [], comparisons: [], failed: (err as Error)?.stack ?? String(err) };
    }
    result.seconds = (Date.now() - began) / 1000;
    results.push(result);
    console.log(formatResult(result));
    if (result.failed) console.log(`  FAILED: ${result.failed}`);
  }
  const report = {
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    options,
    machine: {
      node: process.version,
      cpus: cpus().length,
      model: cpus()[0]?.model,
      memoryGb: totalmem() / 2 ** 30,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg(),
    },
    results,
  };
  mkdirSync(join(options.out, '..'), { recursive: true });
  writeFileSync(options.out, JSON.stringify(report, null, 2));
  console.log(formatTargets(results));
  const errors = results.reduce((n, r) => n + r.measurements.reduce((m, x) => m + x.errors, 0), 0);
  const failed = results.filter((r) => r.failed).map((r) => r.scenario);
  console.log(
    `\nwrote ${options.out} (${report.seconds.toFixed(1)} s; ${results.length} scenarios, ${errors} errors${failed.length ? `, FAILED: ${failed.join(', ')}` : ''})`,
  );
  if (errors > 0 || failed.length > 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
