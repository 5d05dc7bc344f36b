// Issue 16 item 7, once for loopback and once across network-namespace hosts: a CA host, two server
// hosts and a client host, every identity agent-managed. Enrollment; renewal of short-lived
// certificates (servers' and client's) under continuous load with no failed call; then a revocation on
// the CA host cuts the client off on both server hosts within 10 s.
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { RunningProcess, RunningServer, runCli, startCli } from './cli';
import { eventually, logLines } from './eventually';
import { agentEvent, agentOnce, caToken, rootFingerprint, startAgent, startCa } from './fleet';
import { captureOutput } from './test-run';

export interface FleetHosts {
  /** Where `ca serve` listens, and the names its certificate holds (what agents dial). */
  ca: { netns?: string; listen: string; sans: string };
  /** Each server: the IP it serves on (port 0), which its certificate names; caIp: the CA's address as this host reaches it. */
  servers: { netns?: string; ip: string; caIp?: string }[];
  client: { netns?: string; caIp?: string };
}

export interface FleetRun {
  /** Calls that succeeded per server while certificates renewed, and how many failed (must be 0). */
  beforeRevocation: { ok: number; failed: number; clientSerialsSeen: number }[];
  serverRenewals: number[];
  clientRenewals: number;
  /** From `cert revoke` returning to each server refusing the client, ms. */
  cutOffMs: number[];
  /** What the refused calls said. */
  refusals: string[];
}

interface LoadLine {
  event: string;
  time: number;
  target?: string;
  code?: number;
  details?: string;
  stats?: Record<string, { ok: number; failed: number; serials: string[] }>;
}

export async function runFleetScenario(root: string, hosts: FleetHosts, lifetime: string): Promise<FleetRun> {
  const caDir = join(root, 'ca');
  const processes: (RunningProcess | RunningServer)[] = [];
  let load: ChildProcess | undefined;
  try {
    expect((await runCli(['pki', 'init', '--intermediate', '--dir', caDir])).code).toBe(0);
    const ca = await startCa(caDir, hosts.ca.listen, ['--san', hosts.ca.sans], hosts.ca.netns);
    processes.push(ca);
    const fingerprint = rootFingerprint(caDir);
    const caAddress = (caIp?: string) => (caIp ? `${caIp}:${ca.port}` : ca.address);

    // Enrollment: each host runs its agent once with its token, then as a daemon.
    const names = [...hosts.servers.map((_, i) => `web${i + 1}`), 'app'];
    const places = [...hosts.servers, hosts.client];
    const dirs = names.map((n) => join(root, 'hosts', n));
    const tokens = await Promise.all(
      names.map((n, i) =>
        i < hosts.servers.length
          ? caToken(caDir, n, '--server', '--san', `IP:${hosts.servers[i].ip}`, '--lifetime', lifetime)
          : caToken(caDir, n, '--client', '--lifetime', lifetime),
      ),
    );
    const agentArgs = names.map((name, i) => ({ ca: caAddress(places[i].caIp), fingerprint, dir: dirs[i], name, netns: places[i].netns }));
    const enrolled = await Promise.all(agentArgs.map((a, i) => agentOnce({ ...a, token: tokens[i] })));
    enrolled.forEach((r) => expect(r.stderr).not.toMatch(/certrpc: /));
    enrolled.forEach((r) => expect(r.code).toBe(0));
    const agents = agentArgs.map((a) => startAgent(a));
    processes.push(...agents);
    await Promise.all(agents.map((a) => agentEvent(a, 'started')));

    // The servers, from the agent-managed directories, and the load from the client host.
    const servers = await Promise.all(
      hosts.servers.map((s, i) =>
        startCli(['serve', '--dir', dirs[i], '--name', names[i], '--host', s.ip, '--port', '0'], { netns: s.netns }),
      ),
    );
    processes.push(...servers);
    const targets = servers.map((s) => s.address);
    const lines: LoadLine[] = [];
    const script = join(__dirname, 'fleet-load.cjs');
    const argv = [script, JSON.stringify({ dir: dirs[dirs.length - 1], name: 'app', targets })];
    load = hosts.client.netns
      ? spawn('ip', ['netns', 'exec', hosts.client.netns, process.execPath, ...argv])
      : spawn(process.execPath, argv);
    captureOutput(load, ['fleet-load', ...targets]);
    let buffered = '';
    load.stdout!.on('data', (d) => {
      buffered += d;
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as LoadLine);
    });
    await eventually(
      () => targets.every((t) => lines.some((l) => l.event === 'ready' && l.target === t)),
      'the load to reach every server',
      20_000,
    );

    // Every certificate renews (the agents' own timing) while the calls go on; then a little longer,
    // so calls run over the renewed material on both sides.
    const renewalWait = 60_000;
    await Promise.all(agents.map((a) => agentEvent(a, 'renewed', 1, renewalWait)));
    await Promise.all(
      servers.map((s) =>
        eventually(
          () => logLines(s.logs()).filter((l) => l.event === 'reloaded').length >= 1,
          'the server to reload its renewed certificate',
          renewalWait,
        ),
      ),
    );
    const statsAt = () => [...lines].reverse().find((l) => l.event === 'stats')!.stats!;
    const okBefore = statsAt();
    await eventually(
      () => targets.every((t) => statsAt()[t].ok > okBefore[t].ok + 20 && statsAt()[t].serials.length >= 2),
      'calls with the renewed client certificate',
      20_000,
    );
    const stats = statsAt();
    const beforeRevocation = targets.map((t) => ({ ok: stats[t].ok, failed: stats[t].failed, clientSerialsSeen: stats[t].serials.length }));

    // A revocation on the CA host: the servers' agents get the CRL, the servers cut the client off.
    const revoke = await runCli(['cert', 'revoke', 'app', '--reason', 'keyCompromise', '--dir', caDir], { netns: hosts.ca.netns });
    expect(revoke.code).toBe(0);
    const revokedAt = Date.now();
    const cut = await eventually(
      () => {
        const firsts = targets.map((t) => lines.find((l) => l.event === 'failure' && l.target === t && l.time >= revokedAt - 1000));
        return firsts.every(Boolean) && (firsts as LoadLine[]);
      },
      'both servers to refuse the revoked client',
      10_000,
    );
    return {
      beforeRevocation,
      serverRenewals: agents.slice(0, -1).map((a) => logLines(a.logs()).filter((l) => l.event === 'renewed').length),
      clientRenewals: logLines(agents[agents.length - 1].logs()).filter((l) => l.event === 'renewed').length,
      cutOffMs: cut.map((l) => l.time - revokedAt),
      refusals: cut.map((l) => `${l.code}: ${l.details}`),
    };
  } finally {
    load?.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.stop()));
  }
}
