// --exec CMD: run after every change the agent writes (sh -c, so pipes and && work), one at a time
// and in order, with what changed in its environment. A failing hook is logged; the agent goes on.
import { spawn } from 'node:child_process';
import type { Logger } from '../log/logger';

export type AgentEvent = 'enrolled' | 'renewed' | 'trust-updated';

export class ExecHook {
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly command: string | undefined,
    private readonly context: { name: string; dir: string },
    private readonly logger: Logger,
  ) {}

  /** Runs the hook for this change after the ones before it; resolves when it has run. */
  run(event: AgentEvent, changed: string[]): Promise<void> {
    if (!this.command || changed.length === 0) return Promise.resolve();
    this.queue = this.queue.then(() => this.spawn(event, changed));
    return this.queue;
  }

  private spawn(event: AgentEvent, changed: string[]): Promise<void> {
    const env = {
      ...process.env,
      CERTRPC_AGENT_EVENT: event,
      CERTRPC_AGENT_CHANGED: changed.join(' '),
      CERTRPC_AGENT_NAME: this.context.name,
      CERTRPC_AGENT_DIR: this.context.dir,
    };
    return new Promise((resolve) => {
      const started = Date.now();
      // Its output joins the agent's stderr (the log); stdout stays the agent's (--once prints its result there).
      const child = spawn('sh', ['-c', this.command!], { env, stdio: ['ignore', process.stderr, process.stderr] });
      child.on('error', (err) => {
        this.logger.error({ event: 'exec_failed', problem: err.message }, `the exec command could not start: ${err.message}`);
        resolve();
      });
      child.on('exit', (code, signal) => {
        const fields = { event: 'exec', change: event, changed, code, signal, ms: Date.now() - started };
        if (code === 0) this.logger.info(fields, `the exec command ran after ${event}`);
        else this.logger.warn(fields, `the exec command exited with ${signal ?? code} after ${event}`);
        resolve();
      });
    });
  }
}
