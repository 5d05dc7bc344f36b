// Driver side of the load process: fork it once per scenario, send it jobs, get results back.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { HandshakeJob } from './handshake-load';
import type { IdleOpenJob, IdleOpenResult } from './idle-load';
import { IpcClient } from './ipc';
import type { LoadResult } from './load-result';
import type { StreamJob } from './stream-load';
import type { UnaryJob } from './unary-load';

export class LoadGenerator {
  private constructor(private readonly ipc: IpcClient) {}

  /** Called when each job's measured window opens ('start') and closes ('end'). */
  onWindow(listener: (edge: 'start' | 'end') => void): () => void {
    const forward = (m: { edge: 'start' | 'end' }) => listener(m.edge);
    this.ipc.events.on('window', forward);
    return () => this.ipc.events.off('window', forward);
  }

  static start(): Promise<LoadGenerator> {
    const child = fork(join(__dirname, 'load-process.js'), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const ipc = new IpcClient(child, () => `load generator (pid ${child.pid}): ${stderr}`);
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`load generator exited (${code}) before it was ready: ${stderr}`)));
      child.once('message', () => resolve(new LoadGenerator(ipc)));
    });
  }

  unary(job: UnaryJob): Promise<LoadResult> {
    return this.ipc.request({ type: 'unary', job });
  }
  stream(job: StreamJob): Promise<LoadResult> {
    return this.ipc.request({ type: 'stream', job });
  }
  handshakes(job: HandshakeJob): Promise<LoadResult> {
    return this.ipc.request({ type: 'handshakes', job });
  }
  openIdle(job: IdleOpenJob): Promise<IdleOpenResult> {
    return this.ipc.request({ type: 'idle-open', job });
  }
  idleCount(): Promise<number> {
    return this.ipc.request({ type: 'idle-count' });
  }
  closeIdle(): Promise<number> {
    return this.ipc.request({ type: 'idle-close' });
  }

  async stop(): Promise<void> {
    const child = this.ipc.child;
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
