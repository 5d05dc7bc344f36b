// External programs some suites drive (curl, nginx, openssl, ip). A missing one fails the suite
// with the command that installs it: these tests must never pass by not running.
import { execFile, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

const INSTALL: Record<string, string> = {
  curl: 'apt-get install -y curl',
  nginx: 'apt-get install -y nginx-light',
  openssl: 'apt-get install -y openssl',
  ip: 'apt-get install -y iproute2',
};

/** The absolute path of a program, or an Error saying how to install it. */
export function requireTool(name: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} /sbin/${name} 2>/dev/null | head -1`], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n')[0];
  if (!found)
    throw new Error(
      `${name} is not installed, and this test needs it: install it with \`${INSTALL[name] ?? `apt-get install -y ${name}`}\` (.ci/run does)`,
    );
  return found;
}

/** A port that was free a moment ago (bind :0, read it, close): for programs that cannot be told to pick one. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Runs a program to completion (no shell), without blocking the event loop; never throws on a non-zero exit. */
export function run(
  file: string,
  args: string[],
  options: { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { encoding: 'utf8', timeout: options.timeoutMs ?? 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
