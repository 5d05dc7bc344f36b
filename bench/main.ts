// `npm run bench [-- --quick] [--only NAME] [--duration S] [--concurrency 1,16,128] [--connections 1,4]`
// Runs every scenario, prints a table per scenario and writes bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { BenchOptions, Scenario, ScenarioResult } from './scenario';
import { scenarios } from './scenarios';
import { formatResult } from './report';

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
  const selected: Scenario[] = scenarios.filter((s) => !options.only || options.only.includes(s.name));
  const results: ScenarioResult[] = [];
  const started = Date.now();
  for (const scenario of selected) {
    process.stderr.write(`running ${scenario.name}...\n`);
    const result = await scenario.run(options);
    results.push(result);
    console.log(formatResult(result));
  }
  const report = {
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    options,
    machine: { node: process.version, cpus: cpus().length, model: cpus()[0]?.model },
    results,
  };
  mkdirSync(join(options.out, '..'), { recursive: true });
  writeFileSync(options.out, JSON.stringify(report, null, 2));
  console.log(`\nwrote ${options.out} (${report.seconds.toFixed(1)} s)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
