// Where certrpc's per-message streaming cost goes: server-streaming against servers that each add
// one part of certrpc to bare grpc-js. Run by the streaming scenario in full mode. Read server CPU
// and GC per message: the transport rows (TLS listener) next to the heap row (certrpc's modules
// loaded, none of them on the call path) tell a per-message code cost from a garbage-collection one;
// the ballast row (2 MB of plain objects, nothing else) shows V8's 8 MB marking threshold alone.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Comparison, Measurement } from '../scenario';
import { writeBenchPolicy } from './bench-policy';
import { TlsSet } from './bench-pki';
import { runInterleaved } from './interleave';
import { LoadGenerator } from './load-generator';
import { ratio, serverCpuPerMessage, streamMeasurement } from './measurement';
import { BenchServer, startServer } from './server-launcher';
import { clientTlsOf } from './server-pair';
import type { BenchServerConfig } from '../servers/server-process';

export async function streamBreakdown(
  set: TlsSet,
  load: LoadGenerator,
  options: { durationSec: number; sizeBytes: number; messagesPerCall: number; streams: number },
): Promise<{ measurements: Measurement[]; comparisons: Comparison[] }> {
  const base: BenchServerConfig = { caFile: set.caFile, certFile: set.server.certFile, keyFile: set.server.keyFile };
  const { policyFile, auditFile } = writeBenchPolicy(mkdtempSync(join(set.dir, 'stream-breakdown-')));
  const steps: [string, 'bare' | 'certrpc', BenchServerConfig][] = [
    ['bare grpc-js', 'bare', base],
    ["bare behind certrpc's TLS listener", 'bare', { ...base, variant: 'mtls-listener' }],
    ["bare with certrpc's modules loaded (heap only)", 'bare', { ...base, variant: 'certrpc-modules' }],
    ['bare holding 2 MB of plain objects (heap only)', 'bare', { ...base, appStateMb: 2 }],
    ['certrpc (authorization + audit log)', 'certrpc', { ...base, policyFile, auditFile }],
  ];
  const size = `${options.sizeBytes / 1024} KiB`;
  const servers: BenchServer[] = [];
  try {
    for (const [, kind, config] of steps) servers.push(await startServer(kind, config));
    const arms = steps.map(([label], i) => ({
      label: `breakdown ${size}: ${label}`,
      server: servers[i],
      run: (slice: { warmupSec: number; durationSec: number }) =>
        load.stream({
          address: servers[i].address,
          tls: clientTlsOf(set),
          concurrency: options.streams,
          sizeBytes: options.sizeBytes,
          messagesPerCall: options.messagesPerCall,
          ...slice,
        }),
    }));
    const measurements = (await runInterleaved(load, arms, { durationSec: options.durationSec, rounds: 2, warmupSec: 0.5 })).map(
      streamMeasurement,
    );
    const comparisons = measurements
      .slice(1)
      .map((m) => ratio(`server cpu/msg vs bare, ${m.label.replace(/^breakdown /, '')}`, m, measurements[0], serverCpuPerMessage));
    return { measurements, comparisons };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
