// Scenario: calls per second while certificates and the CA rotate, against steady state.
// `certrpc serve` (its own process, watching its files) serves WhoAmI to long-lived reloading
// clients in this process; after a steady window, the whole rotation runs through the CLI (renew
// server and clients, ca rotate, renew everything onto the new CA, ca retire) while the load goes
// on. Each CLI command is its own node process on the same cores, which is part of the cost.
import { Metadata, status as Status } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { createReloadingClient, ReloadingClient } from '../../src/client/reloading-client';
import { unary } from '../../src/client/unary';
import { ensureDemoPki } from '../../src/demo/demo-pki';
import { IdentityClient } from '../../src/gen/certrpc/v1/identity';
import { PkiDir } from '../../src/store/pki-dir';
import { summarizeLatency } from '../lib/load-result';
import { startServe } from '../lib/serve-process';
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';

const run = promisify(execFile);
const CLI_ENTRY = join(__dirname, '..', 'lib', 'certrpc-cli-entry.js');
const CLIENT_NAMES = ['alice', 'bob'] as const;

interface Window {
  count: number;
  errors: number;
  latenciesMs: number[];
  statusCodes: Record<string, number>;
  errorSamples: string[];
}

const newWindow = (): Window => ({ count: 0, errors: 0, latenciesMs: [], statusCodes: {}, errorSamples: [] });

async function until(check: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`rotation bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const rotationScenario: Scenario = {
  name: 'rotation',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const dir = mkdtempSync(join(tmpdir(), 'certrpc-bench-rotation-'));
    const pki = new PkiDir(dir);
    await ensureDemoPki(pki);
    const server = await startServe(dir);
    const concurrency = Math.min(16, Math.max(...options.concurrency));
    const connections = Math.max(CLIENT_NAMES.length, ...options.connections);
    const clients: ReloadingClient<IdentityClient>[] = [];
    let window = newWindow();
    let stopping = false;
    try {
      for (let i = 0; i < connections; i++) {
        const name = CLIENT_NAMES[i % CLIENT_NAMES.length];
        const files = { certFile: pki.certFile(name), keyFile: pki.keyFile(name), caFiles: [pki.caCertFile], crlFile: pki.crlFile };
        clients.push(
          await createReloadingClient(IdentityClient, server.address, {
            files,
            diagnose: false,
            reload: { debounceMs: 50, intervalMs: 500 },
          }),
        );
      }
      const workers = Array.from({ length: concurrency }, async (_, slot) => {
        const client = clients[slot % clients.length].client;
        while (!stopping) {
          const started = performance.now();
          const w = window;
          try {
            await unary(client, client.whoAmI, {}, new Metadata(), { deadline: Date.now() + 30_000 });
            w.statusCodes.OK = (w.statusCodes.OK ?? 0) + 1;
          } catch (err) {
            const code = (err as { code?: number }).code ?? Status.UNKNOWN;
            w.errors += 1;
            w.statusCodes[Status[code] ?? String(code)] = (w.statusCodes[Status[code] ?? String(code)] ?? 0) + 1;
            if (w.errorSamples.length < 3) w.errorSamples.push((err as Error).message);
          }
          w.count += 1;
          w.latenciesMs.push(performance.now() - started);
        }
      });

      const steadyWindow = async () => {
        window = newWindow();
        const start = performance.now();
        await new Promise((r) => setTimeout(r, options.durationSec * 1000));
        return { window, seconds: (performance.now() - start) / 1000 };
      };
      await new Promise((r) => setTimeout(r, options.quick ? 300 : 1000)); // warm-up: connections made
      const before = await steadyWindow();

      window = newWindow();
      const rotationStart = performance.now();
      const cli = (...args: string[]) => run(process.execPath, [CLI_ENTRY, ...args, '--dir', dir]);
      const clientsAt = (cas: number) =>
        until(() => clients.every((c) => c.tls.current.cas.length === cas), `clients trusting ${cas} CA(s)`);
      const renewAll = async () => {
        for (const name of ['server', ...CLIENT_NAMES]) await cli('cert', 'renew', name);
      };
      // Quick mode skips the renewals before the CA rotation (three CLI processes fewer).
      if (!options.quick) await renewAll();
      let reloads = server.reloads();
      await cli('ca', 'rotate');
      await until(() => server.reloads() > reloads, 'the server to load the rotated bundle');
      await clientsAt(2);
      await renewAll();
      reloads = server.reloads();
      await cli('ca', 'retire');
      await until(() => server.reloads() > reloads, 'the server to drop the old CA');
      await clientsAt(1);
      const rotating = { window, seconds: (performance.now() - rotationStart) / 1000 };
      // Steady state measured on both sides of the rotation: the machine's own drift shows as their difference.
      const after = await steadyWindow();
      stopping = true;
      await Promise.all(workers);

      const measure = (label: string, m: { window: Window; seconds: number }): Measurement => ({
        label,
        count: m.window.count,
        errors: m.window.errors,
        perSecond: m.window.count / m.seconds,
        latencyMs: summarizeLatency(m.window.latenciesMs),
        statusCodes: m.window.statusCodes,
        extra: { seconds: m.seconds, ...(m.window.errorSamples.length ? { 'first error': m.window.errorSamples[0] } : {}) },
      });
      const beforeRow = measure(`steady before c=${concurrency} clients=${connections}`, before);
      const rotationRow = measure(`during rotation c=${concurrency} clients=${connections}`, rotating);
      const afterRow = measure(`steady after c=${concurrency} clients=${connections}`, after);
      const steadyPerSecond = (before.window.count + after.window.count) / (before.seconds + after.seconds);
      return {
        scenario: 'rotation',
        measurements: [beforeRow, rotationRow, afterRow],
        comparisons: [
          // The baseline is the two steady rows pooled, not one row, so no subject/baseline labels.
          { name: 'calls/s during rotation / steady (before and after pooled)', value: rotationRow.perSecond! / steadyPerSecond },
          {
            name: 'calls/s during rotation / steady before',
            value: rotationRow.perSecond! / beforeRow.perSecond!,
            subject: rotationRow.label,
            baseline: beforeRow.label,
          },
          { name: 'failed calls during rotation', value: rotationRow.errors, target: '= 0', met: rotationRow.errors === 0 },
        ],
        notes: [
          'certrpc serve (own process) watching its files; WhoAmI from long-lived reloading clients (alice, bob) in the bench process',
          `rotation = ${options.quick ? '' : 'cert renew server/alice/bob, '}ca rotate, renew server/alice/bob onto the new CA, ca retire: ${options.quick ? 5 : 8} CLI processes on the same cores, plus the reloads they trigger`,
        ],
      };
    } finally {
      stopping = true;
      for (const c of clients) c.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
