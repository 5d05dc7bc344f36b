// Issue 3 acceptance: `npm start` makes the demo PKI when missing, serves, and stops cleanly.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { PkiDir } from '../../src/store/pki-dir';
import { demoClients, grpcError } from '../helpers/calls';
import { clientTls } from '../helpers/pki';
import { tempDir } from '../helpers/temp-dir';
import { sigtermAtListening } from '../helpers/signal-at-listening';
import { captureOutput } from '../helpers/test-run';

const ROOT = join(__dirname, '..', '..');
const START = join(ROOT, 'dist', 'app', 'demo-start.js');

describe('npm start (the demo)', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('creates the PKI, serves alice, refuses mallory, and exits 0 on Ctrl-C', async () => {
    const dir = join(tmp.dir, 'certs');
    const child = spawn(process.execPath, [START], {
      env: { ...process.env, CERTRPC_DIR: dir, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    captureOutput(child, ['npm start']);
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on 127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`demo exited ${code}: ${out}`)));
    });
    expect(out).toContain('created in');
    expect(out).toMatch(/ca, server, alice, bob, mallory/);
    expect(out).toContain('certrpc call');
    const pki = new PkiDir(dir);
    for (const name of ['ca', 'server', 'alice', 'bob', 'mallory']) expect(statSync(join(dir, `${name}.key`)).mode & 0o777).toBe(0o600);

    const address = `127.0.0.1:${port}`;
    const alice = demoClients(address, clientTls(pki, 'alice'));
    expect((await alice.whoAmI()).commonName).toBe('alice');
    alice.close();
    const mallory = demoClients(address, clientTls(pki, 'mallory'));
    expect((await grpcError(mallory.whoAmI())).code).toBe(status.UNAVAILABLE);
    mallory.close();

    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  it('a SIGTERM sent the moment "listening on" is printed still stops gracefully (the handlers come first)', async () => {
    const ended = await sigtermAtListening([], { script: START, env: { CERTRPC_DIR: join(tmp.dir, 'certs-early-signal'), PORT: '0' } });
    expect(ended.stdout).toMatch(/listening on 127\.0\.0\.1:\d+/);
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
  });

  it.each(['SIGTERM', 'SIGINT'] as const)("`npm start` stopped by %s to npm's own PID leaves no server behind", async (signal) => {
    // npm runs the script through `sh -c`; a signal to npm must reach the server, not orphan it.
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, CERTRPC_DIR: join(tmp.dir, `certs-${signal}`), PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    captureOutput(child, ['npm', 'start']);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    const serverPid = await new Promise<number>((resolve, reject) => {
      // The demo's log lines carry its own PID: the process that holds the port.
      child.stderr.on('data', (d) => {
        err += d;
        const m = /"pid":(\d+)[^\n]*"msg":"listening"/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`npm start exited ${code} before listening:\n${out}\n${err}`)));
    });
    expect(serverPid).not.toBe(child.pid);
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    child.kill(signal);
    await exited;
    await waitUntil(() => !isAlive(serverPid));
    expect(isAlive(serverPid)).toBe(false);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls until the condition holds or 10 s pass (the server drains, flushes its audit log, then exits). */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
}
