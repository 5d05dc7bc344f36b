// `certrpc serve` as a child process with a demo PKI, the ops test policy, metrics on a free port
// and small limits, for the hostile-input and operations suites.
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { PkiDir } from '../../src/store/pki-dir';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { demoClients } from './calls';
import { RunningServer, startCli } from './cli';
import { logLines } from './eventually';
import { metricsAddress, metricValue, scrape } from './metrics';
import { writeOpsPolicy } from './ops-policy';
import { clientTls, demoPki } from './pki';

export interface OpsServer {
  server: RunningServer;
  pki: PkiDir;
  address: string;
  metrics: string;
  policyFile: string;
  tls(name: string): ClientTlsMaterial;
  /** Current value of a metric (summed over matching series). */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  /** Fails unless the process is alive and answers alice's WhoAmI. */
  stillServes(): Promise<void>;
  /** Log lines that would mean a crash or an unhandled error. */
  crashLines(): string[];
}

export async function startOpsServer(dir: string, args: string[] = []): Promise<OpsServer> {
  const pki = await demoPki(join(dir, 'certs'));
  const policyFile = writeOpsPolicy(dir);
  const server = await startCli(['serve', '--demo', '--dir', pki.dir, '--port', '0', '--policy', policyFile, '--metrics', ':0', ...args]);
  const metrics = metricsAddress(server.output());
  const tls = (name: string) => clientTls(pki, name);
  return {
    server,
    pki,
    address: server.address,
    metrics,
    policyFile,
    tls,
    metric: async (name, labels) => metricValue(await scrape(metrics), name, labels),
    stillServes: async () => {
      expect(server.child.exitCode).toBeNull();
      const alice = demoClients(server.address, tls('alice'));
      try {
        expect((await alice.whoAmI()).commonName).toBe('alice');
      } finally {
        alice.close();
      }
    },
    crashLines: () => {
      const text = server.logs();
      const fatal = logLines(text)
        .filter((l) => Number(l.level) >= 50)
        .map((l) => JSON.stringify(l));
      const raw = text.split('\n').filter((l) => !l.startsWith('{') && /Error|Unhandled|uncaught|at .*\(.*:\d+:\d+\)/.test(l));
      return [...fatal, ...raw];
    },
  };
}

export { status };
