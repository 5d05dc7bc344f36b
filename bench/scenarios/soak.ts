// Soak: a certrpc server (full call gate, audit log, metrics) under mixed traffic for 60 s
// (--quick: 20 s): allowed calls (Echo/Say, KeyValue Put/Get), denied calls (KeyValue/Delete, a
// deny rule), refused handshakes (a client of another CA) and connection churn (each worker opens
// a new connection every CALLS_PER_CONNECTION calls). Pass when the server's RSS at the end
// (after a full GC) is within 10% of its RSS after warm-up, and nothing unexpected happened.
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '../../src/client/create-client';
import { unary } from '../../src/client/unary';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { KeyValueClient } from '../../src/gen/demo/v1/kv';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { benchPki } from '../lib/bench-pki';
import { writeBenchPolicy } from '../lib/bench-policy';
import { summarizeLatency } from '../lib/load-result';
import { BenchServer, startServer } from '../lib/server-launcher';
import { clientTlsOf } from '../lib/server-pair';
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';

const WORKERS = 8;
const CALLS_PER_CONNECTION = 25;
/** One connection in this many is made with a certificate the server does not trust. */
const REFUSED_EVERY = 10;
const RSS_TOLERANCE = 0.1;
const MB = 1024 * 1024;

type Outcome = 'allowed' | 'denied' | 'refused';

interface Tally {
  counts: Record<Outcome, number>;
  connections: number;
  unexpected: number;
  unexpectedSamples: string[];
  latenciesMs: number[];
}

function unexpected(tally: Tally, what: string): void {
  tally.unexpected++;
  if (tally.unexpectedSamples.length < 5) tally.unexpectedSamples.push(what);
}

/** One connection's worth of calls: 60% Say, 15% Put, 15% Get (allowed), 10% Delete (denied by rule). */
async function trustedConnection(address: string, tls: ClientTlsMaterial, worker: number, tally: Tally): Promise<void> {
  const echo = createClient(EchoClient, address, { tls });
  const kv = createClient(KeyValueClient, address, { tls });
  try {
    for (let i = 0; i < CALLS_PER_CONNECTION; i++) {
      const pick = (worker * 7 + i) % 20;
      const key = `soak/${worker}/${i % 50}`;
      const started = performance.now();
      const deadline = { deadline: Date.now() + 10_000 };
      try {
        if (pick < 12) await unary(echo, echo.say, { message: 'soak' }, new Metadata(), deadline);
        else if (pick < 15) await unary(kv, kv.put, { key, value: 'v'.repeat(64) }, new Metadata(), deadline);
        else if (pick < 18) await unary(kv, kv.get, { key }, new Metadata(), deadline);
        else {
          await unary(kv, kv.delete, { key }, new Metadata(), deadline);
          unexpected(tally, 'KeyValue/Delete was allowed; the policy denies it');
          continue;
        }
        tally.counts.allowed++;
      } catch (err) {
        const e = err as ServiceError;
        if (pick >= 18 && e.code === status.PERMISSION_DENIED) tally.counts.denied++;
        else unexpected(tally, `${e.code} ${e.details}`);
      }
      tally.latenciesMs.push(performance.now() - started);
    }
  } finally {
    echo.close();
    kv.close();
  }
}

async function refusedConnection(address: string, tls: ClientTlsMaterial, tally: Tally): Promise<void> {
  const echo = createClient(EchoClient, address, { tls, diagnose: false });
  try {
    await unary(echo, echo.say, { message: 'stranger' }, new Metadata(), { deadline: Date.now() + 10_000 });
    unexpected(tally, 'a client of another CA was served');
  } catch (err) {
    if ((err as ServiceError).code === status.UNAVAILABLE) tally.counts.refused++;
    else unexpected(tally, `refused client got ${(err as ServiceError).code} ${(err as ServiceError).details}`);
  } finally {
    echo.close();
  }
}

async function runLoad(
  address: string,
  trusted: ClientTlsMaterial,
  stranger: ClientTlsMaterial,
  until: number,
  tally: Tally,
): Promise<void> {
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      for (let n = 0; Date.now() < until; n++) {
        tally.connections++;
        if ((n + worker) % REFUSED_EVERY === REFUSED_EVERY - 1) await refusedConnection(address, stranger, tally);
        else await trustedConnection(address, trusted, worker, tally);
      }
    }),
  );
}

/** Running totals at one moment, so the warm-up and the rest are reported as two rows. */
interface Snapshot {
  allowed: number;
  denied: number;
  refused: number;
  unexpected: number;
  connections: number;
  latencies: number;
}

const ZERO: Snapshot = { allowed: 0, denied: 0, refused: 0, unexpected: 0, connections: 0, latencies: 0 };

function snapshot(t: Tally): Snapshot {
  return { ...t.counts, unexpected: t.unexpected, connections: t.connections, latencies: t.latenciesMs.length };
}

async function rssAfterGc(server: BenchServer): Promise<number> {
  return (await server.usage(true)).rssBytes;
}

export const soakScenario: Scenario = {
  name: 'soak',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const pki = await benchPki();
    const set = pki.sets['ecdsa-p256'];
    const trusted = clientTlsOf(set);
    // A client of the RSA set's CA, which this server does not trust: refused at the handshake.
    const other = pki.sets['rsa-2048'];
    const stranger: ClientTlsMaterial = { caPem: set.caPem, certPem: other.client.certPem, keyPem: other.client.keyPem };
    const totalSec = options.quick ? 20 : 60;
    // RSS climbs for the first ~10 s (JIT, pools, TLS session caches): the baseline is taken after that.
    const warmupSec = options.quick ? 8 : 10;
    const { policyFile, auditFile } = writeBenchPolicy(mkdtempSync(join(set.dir, 'soak-')));
    const server = await startServer('certrpc', {
      caFile: set.caFile,
      certFile: set.server.certFile,
      keyFile: set.server.keyFile,
      policyFile,
      auditFile,
      metrics: true,
    });
    const tally: Tally = {
      counts: { allowed: 0, denied: 0, refused: 0 },
      connections: 0,
      unexpected: 0,
      unexpectedSamples: [],
      latenciesMs: [],
    };
    const samples: number[] = [];
    let rssWarm: number;
    let atWarm: Snapshot;
    let rssEnd: number;
    const started = Date.now();
    try {
      const load = runLoad(server.address, trusted, stranger, started + totalSec * 1000, tally);
      await new Promise((r) => setTimeout(r, warmupSec * 1000));
      rssWarm = await rssAfterGc(server);
      atWarm = snapshot(tally);
      // RSS every 5 s while the load runs, for the report (the pass mark compares warm-up and end).
      const sampler = setInterval(() => void server.usage(false).then((u) => samples.push(u.rssBytes / MB)), 5000);
      await load;
      clearInterval(sampler);
      rssEnd = await rssAfterGc(server);
    } finally {
      await server.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    const window = (label: string, from: Snapshot, to: Snapshot, secs: number, rssBytes: number): Measurement => {
      const allowed = to.allowed - from.allowed;
      const denied = to.denied - from.denied;
      const refused = to.refused - from.refused;
      return {
        label,
        count: allowed + denied + refused,
        errors: to.unexpected - from.unexpected,
        perSecond: (allowed + denied) / secs,
        latencyMs: summarizeLatency(tally.latenciesMs.slice(from.latencies, to.latencies)),
        statusCodes: { OK: allowed, PERMISSION_DENIED: denied, 'UNAVAILABLE (refused handshake)': refused },
        server: { rssMb: Number((rssBytes / MB).toFixed(1)) },
        extra: { connections: to.connections - from.connections },
      };
    };
    const warm = window(
      `soak warm-up ${warmupSec} s (${WORKERS} workers, new connection every ${CALLS_PER_CONNECTION} calls)`,
      ZERO,
      atWarm,
      warmupSec,
      rssWarm,
    );
    const steady = window(`soak after warm-up ${Math.round(seconds - warmupSec)} s`, atWarm, snapshot(tally), seconds - warmupSec, rssEnd);
    steady.extra = {
      ...steady.extra,
      'rss samples MB': samples.map((v) => v.toFixed(0)).join(' '),
      ...(tally.unexpectedSamples.length ? { 'first unexpected': tally.unexpectedSamples.join(' | ') } : {}),
    };
    const growth = rssEnd / rssWarm;
    return {
      scenario: 'soak',
      measurements: [warm, steady],
      comparisons: [
        {
          name: 'RSS end / after warm-up (after GC)',
          value: Number(growth.toFixed(3)),
          target: `<= ${1 + RSS_TOLERANCE}`,
          met: Math.abs(growth - 1) <= RSS_TOLERANCE,
          subject: steady.label,
          baseline: warm.label,
        },
        { name: 'unexpected errors', value: tally.unexpected, target: '== 0', met: tally.unexpected === 0 },
      ],
      notes: [
        'Allowed: Echo/Say, KeyValue/Put, KeyValue/Get. Denied: KeyValue/Delete (deny rule no-kv-deletes-for-bench). Refused: a certificate from a CA the server does not trust.',
        'The server runs the full call gate with the audit log to a file and Prometheus metrics on; RSS is read in the server process after a full GC.',
      ],
    };
  },
};
