// Issue 15 items 2 and 7: every shell line of README.md works when pasted in order on a fresh clone.
// The clone is a copy of this checkout's tracked files (plus the dist/ that `npm install` builds and
// node_modules) in a temp dir; one bash session runs the lines in order, as a reader's terminal
// would (cd, export and umask carry over), `npm link` puts `certrpc` on its PATH (into a prefix of
// its own: this machine's global npm folder is left alone), `npm start` serves the demo for the
// lines after it. Each line must exit 0, or the code its comment ends with ("...: exit 71").
// Conventions (README "Quick start"): `(example: ...)` lines are not run, `(keeps running)` lines
// run in the background until the end, every fixed port in them is replaced by 0 and the port they
// print ("listening on", "metrics on") replaces it in the lines after. Finally nothing the lines
// wrote in the clone may be left untracked and not ignored: .gitignore covers all of it.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { eventually } from '../helpers/eventually';
import { tempDir } from '../helpers/temp-dir';
import { captureOutput, testRunDir } from '../helpers/test-run';
import { commentStart, ReadmeLine, readmeLines } from './readme-lines';

const ROOT = join(__dirname, '..', '..');
const LINE_TIMEOUT_MS = 60_000;

/** A terminal: one bash, fed one line at a time; its stdout and stderr are one stream. */
class Terminal {
  private out = '';
  private readonly token = randomBytes(6).toString('hex');
  readonly bash: ChildProcess;

  constructor(cwd: string, env: NodeJS.ProcessEnv) {
    this.bash = spawn('bash', ['--noprofile', '--norc'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    captureOutput(this.bash, ['(README lines, in one bash)']);
    this.bash.stdout!.on('data', (d) => (this.out += d));
    this.bash.stderr!.on('data', (d) => (this.out += d));
    // Every line's processes stay in this bash's process group, but background lines: those are
    // started with job control on, so each is a process group of its own, stopped as a whole.
    this.send('set -o pipefail; exec 2>&1');
  }

  private send(script: string): void {
    this.bash.stdin!.write(`${script}\n`);
  }

  /** Runs `command` (stdin closed, unless it pipes into itself) and resolves with its output and exit code. */
  async run(command: string, timeoutMs = LINE_TIMEOUT_MS): Promise<{ code: number; output: string }> {
    const from = this.out.length;
    this.send(`{ ${command}\n} < /dev/null; echo "__rc_${this.token} $?"`);
    return this.until(from, new RegExp(`__rc_${this.token} (\\d+)\\n`), timeoutMs, command);
  }

  /** Starts `command` in the background, its output to `log`; resolves with its PID (= its process group). */
  async start(command: string, log: string): Promise<number> {
    const from = this.out.length;
    // A subshell of this one, as `cmd &` in a terminal: it sees the variables set by earlier lines.
    // A simple command replaces the subshell (exec), so the job's exit code is the command's own.
    const simple = !/[|;&]/.test(command.slice(0, commentStart(command) < 0 ? undefined : commentStart(command)));
    this.send(
      `set -m\n{ ${simple ? 'exec ' : ''}${command}\n} < /dev/null > ${shellQuote(log)} 2>&1 &\necho "__rc_${this.token} $!"\nset +m`,
    );
    return (await this.until(from, new RegExp(`__rc_${this.token} (\\d+)\\n`), 10_000, command)).code;
  }

  /** SIGTERM to a background line's whole process group; resolves with its exit code. */
  async stop(pid: number): Promise<number> {
    return (await this.run(`kill -TERM -- -${pid}; wait ${pid}`)).code;
  }

  private async until(from: number, marker: RegExp, timeoutMs: number, what: string): Promise<{ code: number; output: string }> {
    const m = await eventually(
      () => marker.exec(this.out.slice(from)) ?? undefined,
      `"${what}" to finish\n${this.out.slice(from)}`,
      timeoutMs,
    );
    return { code: Number(m[1]), output: this.out.slice(from, from + m.index) };
  }
}

/** 'text' for bash, whatever it holds. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A fresh clone: the tracked files as they are in this checkout, dist/ as `npm install` built it, node_modules linked. */
function cloneCheckout(to: string): void {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT }).toString().split('\0').filter(Boolean);
  for (const file of tracked) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(ROOT, file), join(to, file), { preserveTimestamps: true });
  }
  // Timestamps kept, so `npm start`'s build --if-stale finds it fresh, as in the checkout.
  cpSync(join(ROOT, 'dist'), join(to, 'dist'), { recursive: true, preserveTimestamps: true });
  symlinkSync(join(ROOT, 'node_modules'), join(to, 'node_modules'));
  // A snapshot, to find afterwards what the README's lines left in the clone.
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=readme@test', '-c', 'user.name=readme test', ...args], { cwd: to, stdio: 'pipe' });
  git('init', '-q');
  git('config', 'core.excludesFile', '/dev/null');
  execFileSync('bash', ['-c', 'echo /node_modules >> .git/info/exclude'], { cwd: to });
  git('add', '-A');
  git('commit', '-q', '-m', 'fresh clone');
}

/** In a (keeps running) line, every fixed port becomes 0: which flag printed what. */
function freePorts(command: string): { command: string; listen?: string; metrics?: string } {
  if (/^npm start\b/.test(command)) return { command: `env PORT=0 ${command}`, listen: '50051' };
  let listen: string | undefined;
  let metrics: string | undefined;
  const rewritten = command
    .replace(/--port (\d+)/, (_, p: string) => ((listen = p), '--port 0'))
    .replace(/--listen (\S*):(\d+)/, (_, h: string, p: string) => ((listen ??= p), `--listen ${h}:0`))
    .replace(/--metrics (?:(\S*):)?(\d+)/, (_, h: string | undefined, p: string) => ((metrics = p), `--metrics ${h ?? '127.0.0.1'}:0`));
  return { command: rewritten, listen, metrics };
}

/** The port a background line prints (the mechanism: it prints once listening); fails at once, with its output, if it exits first. */
async function printed(what: RegExp, log: string, pid: number, where: string): Promise<string> {
  const read = () => (existsSync(log) ? readFileSync(log, 'utf8') : '');
  const deadline = Date.now() + LINE_TIMEOUT_MS;
  for (;;) {
    const port = what.exec(read())?.[1];
    if (port) return port;
    let running = true;
    try {
      process.kill(pid, 0);
    } catch {
      running = false;
    }
    if (!running || Date.now() > deadline)
      throw new Error(`${where}\n  ${running ? 'printed nothing like' : 'exited before printing'} ${what}:\n${read()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('README.md, pasted in order on a fresh clone', () => {
  const tmp = tempDir('certrpc-readme-');
  const clone = join(tmp.dir, 'certrpc');
  const prefix = join(tmp.dir, 'npm-prefix');
  const lines = readmeLines(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  let terminal: Terminal;
  const background: { line: ReadmeLine; pid: number; server: boolean; log: string }[] = [];

  beforeAll(() => {
    cloneCheckout(clone);
    mkdirSync(prefix);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, npm_config_prefix: prefix };
    // The clone was built as `npm install` builds it; `npm link` need not build it again.
    env.npm_config_ignore_scripts = 'true';
    for (const name of Object.keys(env)) if (name.startsWith('CERTRPC_') && name !== 'CERTRPC_TEST_RUN_DIR') delete env[name];
    terminal = new Terminal(clone, env);
  }, 60_000);

  afterAll(async () => {
    terminal?.bash.stdin?.end();
    // Whatever still runs (a line that timed out, a server after a failure): its whole group.
    for (const pid of [terminal?.bash.pid, ...background.map((b) => b.pid)]) {
      try {
        if (pid) process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Not walked by the key-leak records: the checkout's own dependencies.
    rmSync(join(clone, 'node_modules'), { force: true });
    tmp.cleanup();
  });

  it('reads the conventions as the README states them', () => {
    const parsed = readmeLines(
      [
        '```sh',
        `echo '# not a comment' "x # y" # real: exit 3`,
        'srv --port 1 # (keeps running)',
        'agent # (keeps running until revoked)',
        'far # (example: another host)',
        '  # a note',
        '```',
        '```ts',
        'x # y',
        '```',
      ].join('\n'),
    );
    expect(parsed.map((l) => [l.lineNo, l.comment, l.kind, l.outlives, l.expectedExit])).toEqual([
      [2, 'real: exit 3', 'run', false, 3],
      [3, '(keeps running)', 'background', true, 0],
      [4, '(keeps running until revoked)', 'background', false, 0],
      [5, '(example: another host)', 'example', false, 0],
    ]);
  });

  it('has shell lines to run, in the conventions the test reads', () => {
    expect(lines.filter((l) => l.kind === 'run').length).toBeGreaterThan(40);
    // The newcomer's path: install, put certrpc on PATH, start the demo.
    expect(lines.slice(0, 3).map((l) => l.text.split(/\s+#/)[0].trim())).toEqual(['npm install', 'npm link', 'npm start']);
    // Alternatives go on lines of their own: no "a | b" meaning "or" outside quotes and comments.
    const orLines = lines.filter((l) =>
      / \| (?:ca|cert|bundle|describe|call|list|doctor|policy|pki) /.test(
        l.text.slice(0, commentStart(l.text) < 0 ? undefined : commentStart(l.text)),
      ),
    );
    expect(orLines.map((l) => `README.md:${l.lineNo}: ${l.text}`)).toEqual([]);
    // Nothing to paste that is not a command: no [optional] flags, no "..." placeholders outside examples.
    const placeholders = lines.filter(
      (l) =>
        l.kind !== 'example' && /\s\[--|\.\.\.(\s|$)/.test(l.text.slice(0, commentStart(l.text) < 0 ? undefined : commentStart(l.text))),
    );
    expect(placeholders.map((l) => `README.md:${l.lineNo}: ${l.text}`)).toEqual([]);
  });

  it('every line exits as the README says, in order, against the demo `npm start` serves', async () => {
    const ports = new Map<string, string>();
    const withPorts = (text: string) => [...ports].reduce((t, [from, to]) => t.replace(new RegExp(`:${from}\\b`, 'g'), `:${to}`), text);
    for (const line of lines) {
      const where = `README.md:${line.lineNo}: ${line.text}`;
      // What made this checkout: the test runs after it (and must not reinstall from the network).
      if (line.kind === 'example' || /^npm install\b/.test(line.text)) continue;
      if (line.kind === 'background') {
        const { command, listen, metrics } = freePorts(withPorts(line.text));
        if (!listen && /^(certrpc (serve|proxy)|npm start)\b/.test(line.text))
          throw new Error(`${where}\n  a server line needs its port (--port N, --listen HOST:N)`);
        const log = join(testRunDir(), 'logs', `readme-${process.pid}-line-${line.lineNo}.log`);
        const pid = await terminal.start(command, log);
        background.push({ line, pid, server: Boolean(listen), log });
        if (listen) ports.set(listen, await printed(/listening on \S+:(\d+)/, log, pid, where));
        if (metrics) ports.set(metrics, await printed(/metrics on \S+:(\d+)/, log, pid, where));
        continue;
      }
      const r = await terminal.run(withPorts(line.text));
      if (r.code !== line.expectedExit)
        throw new Error(`${where}\n  exited ${r.code}, the README says ${line.expectedExit}; it printed:\n${r.output}`);
    }
    // `certrpc` came from `npm link`, into the prefix first on PATH, linked to the clone.
    const found = await terminal.run('command -v certrpc');
    expect(found.output.trim()).toBe(join(prefix, 'bin', 'certrpc'));
    expect(realpathSync(found.output.trim())).toBe(realpathSync(join(clone, 'bin', 'certrpc')));
    // Every server was still running, and stops cleanly (exit 0) on SIGTERM; a stream was still running.
    for (const bg of background.reverse()) {
      const alive = await terminal.run(`kill -0 ${bg.pid}`);
      if (alive.code !== 0 && !bg.line.outlives) continue; // "(keeps running until ...)": a later line ended it
      if (alive.code !== 0)
        throw new Error(`README.md:${bg.line.lineNo}: ${bg.line.text}\n  had stopped before the end:\n${readFileSync(bg.log, 'utf8')}`);
      const code = await terminal.stop(bg.pid);
      if (bg.server && code !== 0)
        throw new Error(`README.md:${bg.line.lineNo}: ${bg.line.text}\n  exited ${code} on SIGTERM:\n${readFileSync(bg.log, 'utf8')}`);
    }
  }, 600_000);

  it('left nothing in the clone that git would pick up: .gitignore covers keys, certificates, bundles, certs/', () => {
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: clone }).toString();
    expect(status).toBe('');
    // It had something to cover: the README's lines wrote keys, bundles and certificates in the clone.
    const ignored = execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all'], { cwd: clone }).toString();
    expect(ignored).toMatch(/^!! certs\/alice\.key$/m);
    expect(ignored).toMatch(/^!! alice\.bundle$/m);
    expect(ignored).toMatch(/^!! alice\.p12$/m);
  });
});
