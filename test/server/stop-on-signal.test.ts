// A process group stopped by SIGTERM (`kill -TERM -- -PGID`, a terminal's Ctrl-C) also gets the
// copy npm forwards to `npm start`'s server: that late signal can arrive after the stop finished,
// while the process exits. It must not kill the process (exit 143 instead of a clean 0).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { once } from 'node:events';

const DIST = join(__dirname, '..', '..', 'dist', 'server', 'stop-on-signal.js');

// The server is a stand-in for CertrpcServer's shutdown: what is under test is the signal handling
// around it. After the stop, the script waits for a line on stdin before it exits (a slow exit).
const SCRIPT = `
const { stopOnSignal } = require(${JSON.stringify(DIST)});
const pino = require('pino');
const alive = setInterval(() => undefined, 1000); // a server's listener keeps its process up
const server = { shutdown: async () => (clearInterval(alive), { ended: 0 }) };
stopOnSignal(server, { graceMs: 10, logger: pino({ level: 'silent' }) }).then(() => {
  process.stdout.write('stopped\\n');
  process.stdin.once('data', () => process.exit(0));
  process.stdin.resume();
});
process.stdout.write('ready\\n');
`;

function linesOf(child: ReturnType<typeof spawn>) {
  let out = '';
  const waiters: { line: string; resolve: () => void }[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.filter((w) => out.includes(`${w.line}\n`))) w.resolve();
  });
  return (line: string) => new Promise<void>((resolve) => (out.includes(`${line}\n`) ? resolve() : waiters.push({ line, resolve })));
}

describe('stopOnSignal', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('a %s that arrives after the stop, while the process exits, does not kill it', async (signal) => {
    const child = spawn(process.execPath, ['-e', SCRIPT], { cwd: join(__dirname, '..', '..'), stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const seen = linesOf(child);
    await seen('ready');
    child.kill(signal);
    await seen('stopped');
    child.kill(signal); // the late copy
    child.stdin!.write('exit\n');
    const [code, killedBy] = await exited;
    expect({ code, killedBy }).toEqual({ code: 0, killedBy: null });
  });
});
