// Scenario: a fleet's CA and agent. `certrpc ca serve` (its own process, a CA with an intermediate,
// the audit log to a file) under N concurrent hosts:
//   - Enroll: each host a one-time token and a CSR, over TLS without a client certificate;
//   - Renew: each host its current certificate (a new mutual-TLS connection per renewal, as an agent
//     reconnects with its new certificate), the CA signing the same names for a new key;
// certificates per second, latency, and the CA process's CPU and RSS (/proc). Then the agent's idle
// cost: one `certrpc agent` holding a current certificate and its trust-bundle watch, CPU and RSS
// over a quiet window. CSRs are made before the clock starts: the figures are the CA's.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { status as Status } from '@grpc/grpc-js';
import { TokenStore } from '../../src/ca/token-store';
import { createClient } from '../../src/client/create-client';
import { CertificateAuthorityClient, IssuedCertificate } from '../../src/gen/certrpc/v1/ca';
import { initIntermediate } from '../../src/lifecycle/init-intermediate';
import { createKeyAndCsr, KeyAndCsr } from '../../src/pki/make-csr';
import { PkiDir } from '../../src/store/pki-dir';
import { LoadResult, Recorder, summarizeLatency } from '../lib/load-result';
import { ratio, perSecond } from '../lib/measurement';
import { BenchOptions, Measurement, Scenario, ScenarioResult } from '../scenario';

const CLI_ENTRY = join(__dirname, '..', 'lib', 'certrpc-cli-entry.js');
const MB = 1024 * 1024;

/** CPU ticks (user + system) and RSS of a process, from /proc (Linux). */
function procUsage(pid: number): { ticks: number; systemTicks: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { ticks: Number(fields[11]) + Number(fields[12]), systemTicks: Number(fields[12]), rssBytes: Number(rss?.[1] ?? 0) * 1024 };
}
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; stderr: () => string; line: (re: RegExp) => Promise<RegExpExecArray> } {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_CPU_PROF && args[0] === 'ca' ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
      CLI_ENTRY,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const line = (re: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const deadline = Date.now() + 30_000;
      const poll = () => {
        const m = re.exec(out) ?? re.exec(err);
        if (m) return resolve(m);
        if (child.exitCode !== null || Date.now() > deadline)
          return reject(new Error(`certrpc ${args[0]} ${args[1] ?? ''}: no ${re} (exit ${child.exitCode}): ${err.slice(-2000)}`));
        setTimeout(poll, 20);
      };
      poll();
    });
  return { child, stderr: () => err, line };
}

interface Host {
  certPem: string;
  keyPem: string;
  /** The next CSR of the host's pool to use. */
  next: number;
}

export const fleetScenario: Scenario = {
  name: 'fleet',
  async run(options: BenchOptions): Promise<ScenarioResult> {
    const dir = mkdtempSync(join(tmpdir(), 'certrpc-bench-fleet-'));
    const pki = new PkiDir(join(dir, 'ca'));
    const hosts = options.quick ? 4 : 16;
    const seconds = options.quick ? 1.5 : Math.min(options.durationSec, 8);
    await initIntermediate(pki);
    const ca = startCli([
      'ca',
      'serve',
      '--dir',
      pki.dir,
      '--listen',
      '127.0.0.1:0',
      '--audit-file',
      join(dir, 'audit.log'),
      '--log-level',
      'warn',
    ]);
    const procs: ChildProcess[] = [ca.child];
    try {
      const address = (await ca.line(/listening on (\S+)/))[1];
      const caPem = readFileSync(pki.caCertFile, 'utf8');
      // Made before the clock starts: per host, CSRs for its name (a renewal needs a new key, so each
      // host cycles through three) and one-time tokens for it (each enrollment of a host uses one up).
      const name = (h: number) => `bench-host-${h}`;
      const pool: KeyAndCsr[][] = await Promise.all(
        Array.from({ length: hosts }, (_, h) => Promise.all([0, 1, 2].map(() => createKeyAndCsr(name(h))))),
      );
      const tokens = new TokenStore(pki);
      const perHost = options.quick ? 100 : 400;
      const waiting = Array.from({ length: hosts }, (_, h) =>
        Array.from(
          { length: perHost },
          () => tokens.create({ name: name(h), profile: 'client', sans: [], lifetimeMs: 86_400_000, ttlMs: 3_600_000 }).token,
        ),
      );

      // Enroll: N hosts, each its own connection without a client certificate, one token after another.
      const enrolled: Host[] = [];
      const enroll = await measure(ca.child.pid!, seconds, hosts, (h) => {
        const client = createClient(CertificateAuthorityClient, address, { tls: { caPem }, authority: 'localhost', diagnose: false });
        let n = 0;
        return {
          step: async () => {
            const token = waiting[h].pop();
            if (!token) return false; // this host's tokens are spent: its window ends early, counted honestly
            const csr = pool[h][n++ % 3];
            const issued = await call(client, (cb) => client.enroll({ token, csrPem: csr.csrPem }, cb));
            enrolled[h] = { certPem: issued.certificatePem, keyPem: csr.keyPem, next: n };
            return true;
          },
          close: () => client.close(),
        };
      });

      // Renew: each host renews itself back to back, a new mTLS connection with its current certificate each time.
      const renew = await measure(ca.child.pid!, seconds, hosts, (h) => {
        const host = enrolled[h];
        return {
          step: async () => {
            const client = createClient(CertificateAuthorityClient, address, {
              tls: { caPem, certPem: host.certPem, keyPem: host.keyPem },
              authority: 'localhost',
              diagnose: false,
            });
            try {
              const csr = pool[h][host.next++ % 3];
              const issued = await call(client, (cb) => client.renew({ csrPem: csr.csrPem }, cb));
              host.certPem = issued.certificatePem;
              host.keyPem = csr.keyPem;
              return true;
            } finally {
              client.close();
            }
          },
          close: () => undefined,
        };
      });

      // The agent at rest: enrolled, watching the trust bundle, its certificate far from renewal.
      const fingerprint = new X509Certificate(caPem).fingerprint256;
      const token = tokens.create({ name: 'idle-agent', profile: 'client', sans: [], lifetimeMs: 86_400_000, ttlMs: 600_000 }).token;
      const agent = startCli(
        ['agent', '--ca', address, '--ca-fingerprint', fingerprint, '--dir', join(dir, 'agent'), '--name', 'idle-agent'],
        { CERTRPC_TOKEN: token },
      );
      procs.push(agent.child);
      await agent.line(/"event":"trust_updated"/);
      await new Promise((r) => setTimeout(r, 500)); // past start-up work (JIT, first GC)
      const windowSec = options.quick ? 2 : 10;
      const before = procUsage(agent.child.pid!);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, windowSec * 1000));
      const after = procUsage(agent.child.pid!);
      const elapsed = (performance.now() - t0) / 1000;
      const idle: Measurement = {
        label: 'certrpc agent idle (certificate current, watching the trust bundle)',
        count: 1,
        errors: agent.child.exitCode === null ? 0 : 1,
        perSecond: 0,
        server: { cpuPercent: ((after.ticks - before.ticks) / TICKS_PER_SECOND / elapsed) * 100, rssMb: after.rssBytes / MB },
        extra: { 'window s': Math.round(elapsed * 10) / 10, 'cpu ms': ((after.ticks - before.ticks) / TICKS_PER_SECOND) * 1000 },
      };
      const enrollRow = row(`ca serve Enroll, ${hosts} hosts at once`, enroll);
      const renewRow = row(`ca serve Renew, ${hosts} hosts at once (new mTLS connection each)`, renew);
      return {
        scenario: 'fleet',
        measurements: [enrollRow, renewRow, idle],
        comparisons: [
          { name: 'certificates/s Enroll', value: enrollRow.perSecond ?? Number.NaN, subject: enrollRow.label },
          { name: 'certificates/s Renew', value: renewRow.perSecond ?? Number.NaN, subject: renewRow.label },
          ratio('certificates/s Renew/Enroll', renewRow, enrollRow, perSecond),
          { name: 'agent idle CPU %', value: idle.server!.cpuPercent!, subject: idle.label },
          { name: 'agent idle RSS MB', value: idle.server!.rssMb!, subject: idle.label },
        ],
        notes: [
          `${hosts} concurrent hosts for ${seconds} s per phase against one ca serve process (intermediate CA, ECDSA P-256, audit log to a file, every certificate written to DIR/NAME.crt with a backup on renewal)`,
          'server cpu/RSS: the ca serve process (/proc); the agent row: CPU and RSS of an agent process at rest',
        ],
      };
    } finally {
      for (const p of procs) p.kill('SIGTERM');
      await Promise.all(procs.map((p) => (p.exitCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', r)))));
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function call(
  client: CertificateAuthorityClient,
  fn: (cb: (err: Error | null, res: IssuedCertificate) => void) => void,
): Promise<IssuedCertificate> {
  void client;
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

interface Worker {
  step: () => Promise<boolean>;
  close: () => void;
}

/** N workers stepping back to back for `seconds`; the CA process's CPU and RSS over the window. */
async function measure(pid: number, seconds: number, n: number, make: (i: number) => Worker): Promise<Usage> {
  const recorder = new Recorder();
  const workers = Array.from({ length: n }, (_, i) => make(i));
  const before = procUsage(pid);
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    workers.map(async (w) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          if (!(await w.step())) break;
          recorder.record(performance.now() - t, Status.OK);
        } catch (err) {
          const e = err as { code?: number; details?: string; message?: string };
          recorder.record(performance.now() - t, e.code ?? 'exception', e.details ?? e.message);
        }
      }
      w.close();
    }),
  );
  const elapsedSec = (performance.now() - started) / 1000;
  const after = procUsage(pid);
  const cpu = (after.ticks - before.ticks) / TICKS_PER_SECOND;
  return {
    ...recorder.result(elapsedSec),
    cpuPercent: (cpu / elapsedSec) * 100,
    systemShare: cpu > 0 ? (after.systemTicks - before.systemTicks) / TICKS_PER_SECOND / cpu : 0,
    rssBytes: after.rssBytes,
  };
}

type Usage = LoadResult & { cpuPercent: number; systemShare: number; rssBytes: number };

function row(label: string, r: Usage): Measurement {
  return {
    label,
    count: r.count,
    errors: r.errors,
    perSecond: r.count / r.elapsedSec,
    latencyMs: summarizeLatency(r.latenciesMs),
    statusCodes: r.statusCodes,
    server: { cpuPercent: r.cpuPercent, rssMb: r.rssBytes / MB },
    extra: {
      'CA cpu ms/cert': r.count > 0 ? ((r.cpuPercent / 100) * r.elapsedSec * 1000) / r.count : Number.NaN,
      'CA cpu in kernel %': Math.round(r.systemShare * 100),
      ...(r.errorSamples ? { 'first error': r.errorSamples[0] } : {}),
    },
  };
}
