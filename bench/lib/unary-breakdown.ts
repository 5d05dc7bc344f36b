// Where certrpc's unary cost goes: the same load against servers that each add one part, from
// bare grpc-js up to the full certrpc server. Server CPU per call is the figure to read (a busy
// machine moves RPS, much less the CPU a call costs). Run by the unary scenario in full mode.
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { Comparison, Measurement } from '../scenario';
import { writeBenchPolicy } from './bench-policy';
import { TlsSet } from './bench-pki';
import { runInterleaved } from './interleave';
import { LoadGenerator } from './load-generator';
import { armMeasurement, ratio, serverCpuPerCall } from './measurement';
import { BenchServer, startServer } from './server-launcher';
import { clientTlsOf } from './server-pair';
import type { BenchServerConfig } from '../servers/server-process';

export async function unaryBreakdown(
  set: TlsSet,
  load: LoadGenerator,
  options: { durationSec: number; concurrency: number },
): Promise<{ measurements: Measurement[]; comparisons: Comparison[] }> {
  const base: BenchServerConfig = { caFile: set.caFile, certFile: set.server.certFile, keyFile: set.server.keyFile };
  const { policyFile, auditFile } = writeBenchPolicy(mkdtempSync(join(set.dir, 'breakdown-')));
  const steps: [string, 'bare' | 'certrpc', BenchServerConfig][] = [
    ['bare grpc-js', 'bare', base],
    ['+ a no-op interceptor', 'bare', { ...base, variant: 'noop-interceptor' }],
    ["bare behind certrpc's TLS listener", 'bare', { ...base, variant: 'mtls-listener' }],
    ["bare with certrpc's modules loaded (heap only)", 'bare', { ...base, variant: 'certrpc-modules' }],
    ['certrpc, allowAllAuthenticated (identity, limits, revocation)', 'certrpc', base],
    ['certrpc + authorization, audit off', 'certrpc', { ...base, policyFile, auditFile, auditMode: 'none' }],
    ['certrpc + authorization + audit log', 'certrpc', { ...base, policyFile, auditFile }],
  ];
  const servers: BenchServer[] = [];
  try {
    for (const [, kind, config] of steps) servers.push(await startServer(kind, config));
    const arms = steps.map(([label], i) => ({
      label: `breakdown: ${label}`,
      server: servers[i],
      run: (slice: { warmupSec: number; durationSec: number }) =>
        load.unary({
          address: servers[i].address,
          tls: clientTlsOf(set),
          connections: 1,
          concurrency: options.concurrency,
          message: 'hello',
          ...slice,
        }),
    }));
    const measurements = (await runInterleaved(load, arms, { durationSec: options.durationSec, rounds: 2, warmupSec: 0.5 })).map((r) =>
      armMeasurement(r),
    );
    const comparisons = measurements
      .slice(1)
      .map((m) => ratio(`server cpu/call vs bare: ${m.label.replace('breakdown: ', '')}`, m, measurements[0], serverCpuPerCall));
    return { measurements, comparisons };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}
