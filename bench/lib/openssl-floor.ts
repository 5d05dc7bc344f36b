// The handshake's physical floor (issue 13 item 5): OpenSSL on both ends, no HTTP/2, no gRPC, no
// JavaScript. `openssl s_server` with the bench's certificates (client certificates required and
// verified against the same CA), loaded by `openssl s_time -new`: one full mutual-TLS handshake
// per connection, one connection at a time, closed at once. What a new connection costs a server
// beyond this is Node's TLS, the HTTP/2 session, grpc-js and (for certrpc) its checks.
// Server CPU per handshake comes from /proc (utime + stime) read before and after each s_time run:
// s_server does nothing else meanwhile.
import { ChildProcess, spawn } from 'node:child_process';
import { processCpuMicros } from './proc-cpu';

export interface TlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
}

export interface OpensslServer {
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** `openssl s_server` on 127.0.0.1, a port the kernel picks (it prints "ACCEPT 127.0.0.1:PORT"). */
export function startOpensslServer(files: TlsFiles): Promise<OpensslServer> {
  const child = spawn(
    'openssl',
    [
      's_server',
      '-accept',
      '127.0.0.1:0',
      '-cert',
      files.certFile,
      '-key',
      files.keyFile,
      '-CAfile',
      files.caFile,
      // A client certificate is required and verified (-Verify), and a failed verification refuses.
      '-Verify',
      '1',
      '-verify_return_error',
      '-naccept',
      '1000000000',
    ],
    // stdin stays open: s_server stops at end of input.
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    let listening = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d: Buffer) => {
      if (listening) return; // after the port: read and dropped, so the pipe never fills
      out += d;
      const m = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(out);
      if (!m) return;
      listening = true;
      resolve({
        pid: child.pid!,
        port: Number(m[1]),
        stop: async () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`openssl s_server exited ${code}: ${err}`)));
  });
}

export interface FloorSlice {
  handshakes: number;
  seconds: number;
  serverCpuMicros: number;
}

/** One `openssl s_time -new` run of `seconds` against the server, with the client's certificate. */
export async function opensslHandshakes(server: OpensslServer, client: TlsFiles, seconds: number): Promise<FloorSlice> {
  const before = processCpuMicros(server.pid);
  const started = process.hrtime.bigint();
  const output = await run('openssl', [
    's_time',
    '-connect',
    `127.0.0.1:${server.port}`,
    '-new',
    '-cert',
    client.certFile,
    '-key',
    client.keyFile,
    '-CAfile',
    client.caFile,
    '-time',
    String(Math.max(1, Math.round(seconds))),
  ]);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const serverCpuMicros = processCpuMicros(server.pid) - before;
  // "1234 connections in 5 real seconds, ...": the whole-second clock of s_time; the rate uses ours.
  const m = /(\d+) connections in [\d.]+ real seconds/.exec(output);
  if (!m) throw new Error(`openssl s_time said nothing about connections:\n${output}`);
  return { handshakes: Number(m[1]), seconds: wall, serverCpuMicros };
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args[0]} exited ${code}:\n${out}`))));
  });
}
