import { Measurement, ScenarioResult } from './scenario';

const fmt = (n: number | undefined, digits = 2) => (n === undefined ? '-' : n >= 100 ? n.toFixed(0) : n.toFixed(digits));

/** A ghz-like table: one row per measurement, then the ratios against the baselines. */
export function formatResult(result: ScenarioResult): string {
  const header = [
    'measurement',
    'count',
    'errors',
    'per s',
    'fastest',
    'avg',
    'slowest',
    'p50',
    'p90',
    'p99 ms',
    'cpu%',
    'rss MB',
    'extra',
  ];
  const rows = result.measurements.map((m: Measurement) => [
    m.label,
    String(m.count),
    String(m.errors),
    fmt(m.perSecond),
    fmt(m.latencyMs?.fastest, 3),
    fmt(m.latencyMs?.average, 3),
    fmt(m.latencyMs?.slowest, 3),
    fmt(m.latencyMs?.p50, 3),
    fmt(m.latencyMs?.p90, 3),
    fmt(m.latencyMs?.p99, 3),
    fmt(m.server?.cpuPercent, 0),
    fmt(m.server?.rssMb, 1),
    Object.entries(m.extra ?? {})
      .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v) : v}`)
      .join(' '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [`\n== ${result.scenario} ==`, line(header), ...rows.map(line)];
  for (const c of result.comparisons)
    out.push(`  ${c.name}: ${fmt(c.value, 3)}${c.target ? ` (target ${c.target}: ${c.met ? 'met' : 'NOT met'})` : ''}`);
  for (const n of result.notes ?? []) out.push(`  note: ${n}`);
  return out.join('\n');
}

/** Every comparison that has a target, across scenarios: the page BENCHMARKS.md quotes. */
export function formatTargets(results: ScenarioResult[]): string {
  const rows = results.flatMap((r) =>
    r.comparisons
      .filter((c) => c.target)
      .map((c) => `  ${c.met ? 'met    ' : 'NOT met'}  ${r.scenario}: ${c.name} = ${fmt(c.value, 3)} (target ${c.target})`),
  );
  return rows.length ? `\n== targets ==\n${rows.join('\n')}` : '';
}
