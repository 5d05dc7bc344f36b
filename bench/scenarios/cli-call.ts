// Scenario: wall time of one `certrpc call ADDR certrpc.v1.Identity/WhoAmI --identity alice`, from
// process start to exit (Node start-up, identity files, TLS, reflection, the call), next to
// `node -e 0` in the same run, taking turns so load from elsewhere hits both alike. Target: < 300 ms.
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
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';

const run = promisify(execFile);
// bin/certrpc's entry, compiled into the bench build so the code measured is the code just built.
const CLI_ENTRY = join(__dirname, '..', 'lib', 'certrpc-cli-entry.js');
const TARGET_MS = 300;

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
function row(label: string, recorder: Recorder): Measurement {
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
    const node = new Recorder();
    const call = new Recorder();
    const runs = options.quick ? 6 : 30;
    try {
      for (let i = 0; i < runs; i++) {
        // A B B A: neither side always runs right after the other.
        const pair: [Recorder, string, string[]][] = [
          [node, process.execPath, ['-e', '0']],
          [call, process.execPath, [CLI_ENTRY, 'call', address, 'certrpc.v1.Identity/WhoAmI', '--identity', 'alice', '--dir', dir]],
        ];
        for (const [recorder, file, args] of i % 2 === 0 ? pair : pair.reverse()) await timed(recorder, file, args);
      }
    } finally {
      await server.shutdown(1000);
      rmSync(dir, { recursive: true, force: true });
    }
    const nodeRow = row('node -e 0', node);
    const callRow = row('certrpc call WhoAmI (process start to exit)', call);
    const p50 = callRow.latencyMs?.p50 ?? Number.NaN;
    return {
      scenario: 'cli-call',
      measurements: [nodeRow, callRow],
      comparisons: [
        { name: 'certrpc call p50 ms', value: p50, target: `< ${TARGET_MS}`, met: p50 < TARGET_MS, subject: callRow.label },
        { name: 'certrpc call p50 - node -e 0 p50 ms (certrpc own cost)', value: p50 - (nodeRow.latencyMs?.p50 ?? Number.NaN), subject: callRow.label, baseline: nodeRow.label },
      ],
      notes: [
        `${runs} runs each, alternating; the call: Node start-up, identity files (alice, ECDSA P-256), mTLS handshake, one reflection round trip, WhoAmI, exit`,
        'p50/p90 are in the latency columns; a loaded machine inflates both rows alike',
      ],
    };
  },
};
