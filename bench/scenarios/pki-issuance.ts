// Scenario 6: certificates issued per second (new key + signed certificate), ECDSA P-256 and
// RSA-2048: certrpc's library in-process, `certrpc cert issue` (a process per certificate), and
// an openssl req + x509 -req loop as the baseline. Target: the library faster than openssl.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';
import { BENCH_KEY_TYPES, benchPki } from '../lib/bench-pki';
import { cliIssuer, Issue, libraryIssuer, opensslIssuer } from '../lib/issuers';
import { LoadResult, mergeLoadResults, summarizeLatency } from '../lib/load-result';
import { perSecond, ratio } from '../lib/measurement';
import { runSequential } from '../lib/sequential-loop';
import { PkiDir } from '../../src/store/pki-dir';

/** Certificate counts are steady well before 10 s; cap the time each way gets. */
const MAX_SECONDS_PER_WAY = 5;

function row(label: string, r: LoadResult): Measurement {
  return {
    label,
    count: r.count,
    errors: r.errors,
    perSecond: r.count / r.elapsedSec,
    latencyMs: summarizeLatency(r.latenciesMs),
    statusCodes: r.statusCodes,
    extra: r.errorSamples ? { 'first error': r.errorSamples[0] } : undefined,
  };
}

export const pkiIssuanceScenario: Scenario = {
  name: 'pki-issuance',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const { sets, root } = await benchPki();
    const seconds = Math.min(options.durationSec, MAX_SECONDS_PER_WAY);
    const measurements: Measurement[] = [];
    const comparisons: Comparison[] = [];
    for (const keyType of BENCH_KEY_TYPES) {
      const set = sets[keyType];
      const ca = await new PkiDir(set.dir).loadCa();
      const ways: [string, Issue][] = [
        [`library ${keyType}`, libraryIssuer(ca, set)],
        [`certrpc cert issue ${keyType}`, cliIssuer(set, `cli-${Date.now()}`)],
        [`openssl ${keyType}`, opensslIssuer(set, mkdtempSync(join(root, 'openssl-')))],
      ];
      // A B C C B A: a burst of other work on the machine hits every way alike (--quick: A B C).
      const slices = new Map<string, LoadResult[]>(ways.map(([label]) => [label, []]));
      const orders = options.quick ? [ways] : [ways, [...ways].reverse()];
      let offset = 0;
      for (const order of orders) {
        for (const [label, issue] of order) {
          const base = offset;
          const result = await runSequential(seconds / orders.length, 1, (i) => issue(base + i));
          offset += result.count;
          slices.get(label)!.push(result);
        }
      }
      const [library, cli, openssl] = ways.map(([label]) => row(label, mergeLoadResults(slices.get(label)!)));
      measurements.push(library, cli, openssl);
      comparisons.push(
        ratio(`issued/s library/openssl ${keyType}`, library, openssl, perSecond, { above: 1 }),
        ratio(`issued/s certrpc cert issue/openssl ${keyType}`, cli, openssl, perSecond),
      );
    }
    return {
      scenario: 'pki-issuance',
      measurements,
      comparisons,
      notes: [
        'each: a new key pair + a client certificate (clientAuth EKU, SKI/AKI, URI SAN) signed by a CA of the same key type; latency = ms per certificate',
        'library: issueCertificate() in this process, nothing written; certrpc cert issue: one CLI process per certificate (node start-up, atomic 0600 writes with fsync); openssl: two processes (req -newkey, x509 -req), plain writes',
      ],
    };
  },
};
