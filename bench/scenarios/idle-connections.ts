// Scenario 7: server memory held by open, idle mTLS connections. A separate process opens 1,000
// connections (each makes one call, then stays open); the server reports its RSS after a full GC
// before and after. certrpc's connection cap (1,000 by default) is raised for the bench.
// --quick opens 100: enough to see the per-connection cost, in a fraction of the time.
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';
import { LoadGenerator } from '../lib/load-generator';
import { ratio } from '../lib/measurement';
import { benchPki } from '../lib/bench-pki';
import { BenchServer } from '../lib/server-launcher';
import { clientTlsOf, startBare, startCertrpc } from '../lib/server-pair';

const OPENING_IN_PARALLEL = 16;
const MB = 1024 * 1024;

const rssPerConnection = (m: Measurement) => Number(m.extra?.['rss KB/conn']);

async function measure(
  label: string,
  server: BenchServer,
  load: LoadGenerator,
  tls: ReturnType<typeof clientTlsOf>,
  connections: number,
  settleMs: number,
): Promise<Measurement> {
  const before = await server.usage(true);
  const opened = await load.openIdle({ address: server.address, tls, count: connections, parallel: OPENING_IN_PARALLEL });
  // Let the handshakes' garbage and grpc-js's per-connection timers settle before reading memory.
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const after = await server.usage(true);
  const stillOpen = await load.idleCount();
  await load.closeIdle();
  return {
    label,
    count: opened.opened,
    // A connection that failed to open, or was dropped while idle, is an error of this scenario.
    errors: opened.errors + (connections - stillOpen),
    perSecond: opened.opened / opened.seconds,
    server: { rssMb: after.rssBytes / MB },
    extra: {
      'rss before MB': before.rssBytes / MB,
      'rss KB/conn': (after.rssBytes - before.rssBytes) / 1024 / connections,
      'heap KB/conn': (after.heapUsedBytes - before.heapUsedBytes) / 1024 / connections,
      ...(opened.errorSamples.length ? { 'first error': opened.errorSamples[0] } : {}),
    },
  };
}

export const idleConnectionsScenario: Scenario = {
  name: 'idle-connections',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const set = (await benchPki()).sets['ecdsa-p256'];
    const tls = clientTlsOf(set);
    const load = await LoadGenerator.start();
    const connections = options.quick ? 100 : 1000;
    const measurements: Measurement[] = [];
    try {
      for (const kind of ['bare', 'certrpc'] as const) {
        // One server at a time, each fresh: its RSS is about these connections only.
        const server = kind === 'bare' ? await startBare(set) : (await startCertrpc(set, { maxConnections: connections + 100 })).server;
        try {
          measurements.push(await measure(`${kind} ${connections} idle conns`, server, load, tls, connections, options.quick ? 500 : 2000));
        } finally {
          await server.stop();
        }
      }
    } finally {
      await load.stop();
    }
    const [bare, certrpc] = measurements;
    return {
      scenario: 'idle-connections',
      measurements,
      comparisons: [ratio('RSS per connection certrpc/bare', certrpc, bare, rssPerConnection)],
      notes: [
        `${connections} connections from one client process (Node tls + http2, one Echo/Say each, then idle); "per s" = connections opened per second (${OPENING_IN_PARALLEL} handshakes in parallel)`,
        `rss MB = server RSS after a full GC with the connections open; certrpc runs with limits.maxConnections = ${connections + 100} (default 1,000)`,
      ],
    };
  },
};
