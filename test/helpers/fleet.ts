// A fleet for tests: a CA host (`certrpc ca serve`), tokens, and `certrpc agent` processes, each a
// real child process (optionally inside a network namespace). Tokens travel in CERTRPC_TOKEN, never
// in argv (the run log records every command line).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RunningProcess, RunningServer, runCli, spawnCli, startCli } from './cli';
import { eventually, logLines } from './eventually';

/** The root's fingerprint exactly as `openssl x509 -fingerprint -sha256` prints it ("sha256 Fingerprint=AB:..."). */
export function rootFingerprint(caDir: string): string {
  return execFileSync('openssl', ['x509', '-in', join(caDir, 'ca.crt'), '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).trim();
}

export function startCa(caDir: string, listen = '127.0.0.1:0', extra: string[] = [], netns?: string): Promise<RunningServer> {
  return startCli(['ca', 'serve', '--dir', caDir, '--listen', listen, ...extra], { netns });
}

/** `certrpc ca token NAME ...`: the token (stdout is the token alone). */
export async function caToken(caDir: string, name: string, ...args: string[]): Promise<string> {
  const r = await runCli(['ca', 'token', name, '--dir', caDir, ...args]);
  if (r.code !== 0) throw new Error(`ca token ${name} failed (${r.code}): ${r.stderr}`);
  expect(r.stdout).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
  return r.stdout.trim();
}

export interface AgentArgs {
  /** certrpc's CA service (--ca HOST:PORT), or a step-ca (stepCa: --step-ca https://HOST:PORT). */
  ca?: string;
  stepCa?: string;
  fingerprint: string;
  dir: string;
  name: string;
  token?: string;
  extra?: string[];
  netns?: string;
}

const agentArgv = (a: AgentArgs) => [
  'agent',
  ...(a.stepCa ? ['--step-ca', a.stepCa] : []),
  ...(a.ca ? ['--ca', a.ca] : []),
  '--ca-fingerprint',
  a.fingerprint,
  '--dir',
  a.dir,
  '--name',
  a.name,
  ...(a.extra ?? []),
];

/** `certrpc agent ... --once` to completion. */
export function agentOnce(a: AgentArgs) {
  return runCli([...agentArgv(a), '--once'], { env: a.token ? { CERTRPC_TOKEN: a.token } : {}, netns: a.netns });
}

/** `certrpc agent ...` running; wait for its events with agentEvent(). */
export function startAgent(a: AgentArgs): RunningProcess {
  return spawnCli(agentArgv(a), { env: a.token ? { CERTRPC_TOKEN: a.token } : { CERTRPC_TOKEN: '' }, netns: a.netns });
}

/** The n-th (1-based) log line of an agent with this event, once it is there. */
export function agentEvent(agent: RunningProcess, event: string, n = 1, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  return eventually(
    () => {
      if (agent.child.exitCode !== null)
        throw new Error(`the agent exited (${agent.child.exitCode}) before its ${event} #${n}:\n${agent.logs()}`);
      return logLines(agent.logs()).filter((l) => l.event === event)[n - 1];
    },
    `agent event ${event} #${n}`,
    timeoutMs,
  );
}

/** Every file under dir with its content and mode: "nothing changed on disk" is this, equal before and after. */
export function diskState(dir: string): Record<string, string> {
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out[p] = `${(s.mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}
