// Reads a certrpc /metrics endpoint: the value of one series, or the sum of the series matching some labels.
import { get } from 'node:http';

export function scrape(address: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`http://${address}/metrics`, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: ${res.statusCode} ${body}`))));
    }).on('error', reject);
  });
}

/** Sum of the samples of `name` whose labels include all of `labels` (0 when none). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const present = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

/** "metrics on HOST:PORT" from a server's stdout. */
export function metricsAddress(stdout: string): string {
  const m = /metrics on (\S+)/.exec(stdout);
  if (!m) throw new Error(`the server printed no "metrics on" line:\n${stdout}`);
  return m[1];
}
