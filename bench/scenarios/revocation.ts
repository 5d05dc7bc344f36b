// Scenario: revocation latency. `certrpc serve` (its own process, watching DIR/crl.pem) holds an
// open health Watch from a client certificate issued for the round; the bench revokes that
// certificate (the code `certrpc cert revoke` runs) and times, from crl.pem written:
//   - the server applying the CRL: its "TLS material reloaded" line (its own timestamp): the baseline,
//     i.e. noticing the file (fs.watch, debounce) and loading it;
//   - the revoked stream's end (UNAUTHENTICATED "revoked"), as the client sees it.
// The e2e test (test/e2e/revocation.test.ts) proves the stream ends in the reload that applies the
// CRL; how long that takes after the write is this figure. Quick mode: one round.
import { ClientReadableStream, makeGenericClientConstructor, ServiceError, status as Status } from '@grpc/grpc-js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { service as healthService } from 'grpc-health-check';
import { createClient } from '../../src/client/create-client';
import { ensureDemoPki } from '../../src/demo/demo-pki';
import { revokeCertificate } from '../../src/lifecycle/revoke';
import { issueCertificate } from '../../src/pki/issue';
import { PkiDir } from '../../src/store/pki-dir';
import { summarizeLatency } from '../lib/load-result';
import { startServe } from '../lib/serve-process';
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';

const HealthClient = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');
type HealthWatch = { Watch(request: { service: string }): ClientReadableStream<{ status: string }> };
const ROUND_TIMEOUT_MS = 15_000;

interface Samples {
  latenciesMs: number[];
  statusCodes: Record<string, number>;
  errors: number;
  errorSamples: string[];
}

const samples = (): Samples => ({ latenciesMs: [], statusCodes: {}, errors: 0, errorSamples: [] });

function record(s: Samples, ms: number, outcome: string, ok: boolean, error?: string): void {
  s.latenciesMs.push(ms);
  s.statusCodes[outcome] = (s.statusCodes[outcome] ?? 0) + 1;
  if (!ok) {
    s.errors += 1;
    if (error && s.errorSamples.length < 3) s.errorSamples.push(error);
  }
}

/** perSecond: rounds per second of time spent waiting (1000 / average ms), as for the other latency rows. */
function row(label: string, s: Samples): Measurement {
  const spentSec = s.latenciesMs.reduce((a, ms) => a + ms, 0) / 1000;
  return {
    label,
    count: s.latenciesMs.length,
    errors: s.errors,
    perSecond: spentSec > 0 ? s.latenciesMs.length / spentSec : 0,
    latencyMs: summarizeLatency(s.latenciesMs),
    statusCodes: s.statusCodes,
    extra: s.errorSamples.length ? { 'first error': s.errorSamples[0] } : undefined,
  };
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`revocation bench: no ${what} within ${ROUND_TIMEOUT_MS} ms`)), ROUND_TIMEOUT_MS)),
  );
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function until<T>(check: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + ROUND_TIMEOUT_MS;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`revocation bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const revocationScenario: Scenario = {
  name: 'revocation',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const dir = mkdtempSync(join(tmpdir(), 'certrpc-bench-revocation-'));
    const pki = new PkiDir(dir);
    await ensureDemoPki(pki);
    const server = await startServe(dir);
    const applied = samples();
    const ended = samples();
    const rounds = options.quick ? 1 : 5;
    try {
      const ca = await pki.loadCa();
      const caPem = readFileSync(pki.caCertFile, 'utf8');
      for (let i = 0; i < rounds; i++) {
        const name = `revoked-${i}`;
        const pair = await issueCertificate(ca, { profile: 'client', commonName: name });
        pki.writeIdentity(name, pair);
        const client = createClient(HealthClient, server.address, {
          tls: { caPem, certPem: pair.certPem, keyPem: pair.keyPem },
          diagnose: false,
        });
        try {
          const stream = (client as unknown as HealthWatch).Watch({ service: '' });
          // The first status message: the call was admitted, so the server tracks it.
          await withTimeout(new Promise((resolve, reject) => stream.once('data', resolve).once('error', reject)), 'first health status');
          const end = new Promise<{ at: number; err?: ServiceError }>((resolve) => {
            stream.on('error', (err: ServiceError) => resolve({ at: performance.now(), err }));
            stream.on('end', () => resolve({ at: performance.now() }));
          });
          const reloadsBefore = server.reloads();
          await revokeCertificate(pki, { name }, { reason: 'keyCompromise' });
          // crl.pem is written last, just before revokeCertificate returns.
          const writtenAt = performance.now();
          const writtenWall = Date.now();
          const { at, err } = await withTimeout(end, 'end of the revoked stream');
          const revokedEnd = err?.code === Status.UNAUTHENTICATED && /revoked/.test(err.details);
          record(
            ended,
            at - writtenAt,
            err ? (Status[err.code] ?? String(err.code)) : 'ended OK',
            revokedEnd,
            revokedEnd ? undefined : `the stream ended with ${err ? `${Status[err.code]}: ${err.details}` : 'OK'}`,
          );
          const line = await until(
            () => server.logLines().filter((l) => l.event === 'reloaded')[reloadsBefore],
            'the server to reload the CRL',
          );
          const crlListsIt = (line.crls as { revoked: number }[] | undefined)?.some((c) => c.revoked >= i + 1) ?? false;
          record(
            applied,
            Date.parse(String(line.time)) - writtenWall,
            crlListsIt ? 'applied' : 'other reload',
            crlListsIt,
            crlListsIt ? undefined : 'the next reload was not the CRL listing the revocation',
          );
          stream.cancel();
        } finally {
          client.close();
        }
      }
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    const appliedRow = row('CRL applied (crl.pem written -> the server\'s "reloaded" line)', applied);
    const endedRow = row('revoked stream ended (crl.pem written -> the open Watch ends "revoked")', ended);
    return {
      scenario: 'revocation',
      measurements: [appliedRow, endedRow],
      comparisons: [
        {
          name: 'revocation latency p50 ms (crl.pem written -> revoked stream ended)',
          value: endedRow.latencyMs?.p50 ?? Number.NaN,
          subject: endedRow.label,
        },
        { name: 'revocation latency max ms', value: endedRow.latencyMs?.slowest ?? Number.NaN, subject: endedRow.label },
        {
          name: 'revoked stream ended p50 / CRL applied p50',
          value: (endedRow.latencyMs?.p50 ?? Number.NaN) / (appliedRow.latencyMs?.p50 ?? Number.NaN),
          subject: endedRow.label,
          baseline: appliedRow.label,
        },
      ],
      notes: [
        `${rounds} round(s): a fresh client certificate holds a health Watch on certrpc serve (own process, default reload timing: fs.watch + 50 ms debounce, 1 s stat fallback), then is revoked in this process`,
        "CRL applied is timed by the server log line's own timestamp (1 ms resolution); the stream end by this process on receipt",
      ],
    };
  },
};
