// Scenario: CLI start-up (issue 15 item 3). Wall time of whole `certrpc` processes, from spawn to
// exit, next to `node -e 0` in the same run: `certrpc --version`, `--help`, `cert issue` (a client
// certificate from a temp PKI) and `certrpc call ADDR certrpc.v1.Identity/WhoAmI` against a running
// server (Node start-up, identity files, TLS, reflection refused so the shipped built-in schema,
// the call). Rows take turns, each round starting one later, so load from elsewhere hits all alike.
// Targets: --version and --help <= 2x node -e 0, cert issue and call WhoAmI <= 3x (medians).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ensureDemoPki } from '../../src/demo/demo-pki';
import { serveDirectory } from '../../src/app/serve-directory';
import { PkiDir } from '../../src/store/pki-dir';
import { linkPackageFiles } from '../lib/dist-layout';
import { Recorder, summarizeLatency } from '../lib/load-result';
import { BenchOptions, Comparison, Measurement, Scenario, ScenarioResult } from '../scenario';

const run = promisify(execFile);
// bin/certrpc's entry, compiled into the bench build so the code measured is the code just built.
const CLI_ENTRY = join(__dirname, '..', 'lib', 'certrpc-cli-entry.js');
/** Issue 13's absolute target for the call, kept next to issue 15's ratios. */
const CALL_TARGET_MS = 300;

interface Row {
  label: string;
  args: string[];
  /** Target: at most this many times node -e 0 (median against median). */
  ratioTarget?: number;
  recorder: Recorder;
}

async function timed(recorder: Recorder, file: string, args: string[]): Promise<void> {
  const started = performance.now();
  try {
    await run(file, args);
    recorder.record(performance.now() - started, 0);
  } catch (err) {
    recorder.record(performance.now() - started, 'EXIT', (err as Error).message.split('\n').slice(0, 2).join(' '));
  }
}

/** perSecond: processes run to completion per second of time spent running them (1000 / average ms). */
function measurement(label: string, recorder: Recorder): Measurement {
  const spentSec = recorder.latenciesMs.reduce((a, ms) => a + ms, 0) / 1000;
  const r = recorder.result(spentSec);
  return {
    label,
    count: r.count,
    errors: r.errors,
    perSecond: spentSec > 0 ? r.count / spentSec : 0,
    latencyMs: summarizeLatency(r.latenciesMs),
    statusCodes: r.statusCodes,
    extra: r.errorSamples ? { 'first error': r.errorSamples[0] } : undefined,
  };
}

export const cliCallScenario: Scenario = {
  name: 'cli-call',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    linkPackageFiles();
    const dir = mkdtempSync(join(tmpdir(), 'certrpc-bench-cli-'));
    const pki = new PkiDir(dir);
    await ensureDemoPki(pki);
    const server = await serveDirectory({ pki, port: 0 });
    const address = `127.0.0.1:${server.listening!.port}`;
    const cli = (...args: string[]) => [CLI_ENTRY, ...args];
    const rows: Row[] = [
      { label: 'node -e 0', args: ['-e', '0'], recorder: new Recorder() },
      { label: 'certrpc --version', args: cli('--version'), ratioTarget: 2, recorder: new Recorder() },
      { label: 'certrpc --help', args: cli('--help'), ratioTarget: 2, recorder: new Recorder() },
      // --force: the same name each round, as a script renewing a client certificate would.
      {
        label: 'certrpc cert issue (client, ECDSA P-256)',
        args: cli('cert', 'issue', 'bench-client', '--client', '--force', '--dir', dir),
        ratioTarget: 3,
        recorder: new Recorder(),
      },
      {
        label: 'certrpc call WhoAmI',
        args: cli('call', address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', '--dir', dir),
        ratioTarget: 3,
        recorder: new Recorder(),
      },
    ];
    const rounds = options.quick ? 6 : 30;
    try {
      for (let i = 0; i < rounds; i++) {
        // Each round starts one row later: no row always runs first, or right after the same one.
        for (let k = 0; k < rows.length; k++) {
          const row = rows[(i + k) % rows.length];
          await timed(row.recorder, process.execPath, row.args);
        }
      }
    } finally {
      await server.shutdown(1000);
      rmSync(dir, { recursive: true, force: true });
    }
    const measurements = rows.map((r) => measurement(r.label, r.recorder));
    const p50 = (k: number) => measurements[k].latencyMs?.p50 ?? Number.NaN;
    const comparisons: Comparison[] = rows.flatMap((r, k): Comparison[] => {
      if (r.ratioTarget === undefined) return [];
      const ratio = p50(k) / p50(0);
      return [
        {
          name: `${r.label} / node -e 0 p50`,
          value: ratio,
          target: `<= ${r.ratioTarget}`,
          met: ratio <= r.ratioTarget,
          subject: r.label,
          baseline: rows[0].label,
        },
      ];
    });
    const call = rows.length - 1;
    comparisons.push({
      name: 'certrpc call WhoAmI p50 ms',
      value: p50(call),
      target: `< ${CALL_TARGET_MS}`,
      met: p50(call) < CALL_TARGET_MS,
      subject: rows[call].label,
    });
    return {
      scenario: 'cli-call',
      measurements,
      comparisons,
      notes: [
        `${rounds} runs of each row, taking turns (each round starts one row later); wall time from spawn to exit, medians compared (issue 15 item 3)`,
        'call WhoAmI: Node start-up, identity files (alice, ECDSA P-256), mTLS handshake, reflection (refused by a server without --policy: the shipped built-in schema answers), WhoAmI, exit',
        'a loaded machine inflates every row, node -e 0 included; the ratios hold better than the milliseconds',
      ],
    };
  },
};
