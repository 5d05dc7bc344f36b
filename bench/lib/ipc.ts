// Request/reply over a forked child's IPC channel, the only way the driver talks to its server
// and load processes: each request carries an id, the child answers with the same id.
import { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';

interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

type Handler = (message: Record<string, unknown>) => Promise<unknown> | unknown;

/** Driver side: send `message` to the child and await its reply (or its death). */
export class IpcClient {
  /** Unsolicited messages from the child ({ event: NAME, ... }), emitted as NAME. */
  readonly events = new EventEmitter();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    readonly child: ChildProcess,
    private readonly describe: () => string,
  ) {
    child.on('message', (raw) => {
      const reply = raw as Reply & { event?: string };
      if (reply.event) {
        this.events.emit(reply.event, reply);
        return;
      }
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter.reject(new Error(reply.error));
      else waiter.resolve(reply.result);
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.pending.values())
        waiter.reject(new Error(`${this.describe()} exited (${code ?? signal}) during a request`));
      this.pending.clear();
    });
  }

  request<T>(message: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ ...message, id }, (err) => {
        if (err) {
          this.pending.delete(id);
          reject(err);
        }
      });
    });
  }
}

/** Child side: answer each request by its `type` with the matching handler. */
export function serveIpc(handlers: Record<string, Handler>): void {
  process.on('message', (raw) => {
    const message = raw as Record<string, unknown> & { id: number; type: string };
    const handler = handlers[message.type];
    const reply = (r: Omit<Reply, 'id'>) => process.send?.({ id: message.id, ...r });
    if (!handler) return reply({ error: `unknown request type "${message.type}"` });
    Promise.resolve()
      .then(() => handler(message))
      .then(
        (result) => reply({ result: result ?? null }),
        (err: Error) => reply({ error: err?.stack ?? String(err) }),
      );
  });
  // The driver going away must take its children with it, never leave servers running.
  process.on('disconnect', () => process.exit(0));
}
