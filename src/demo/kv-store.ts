import { EventEmitter } from 'node:events';

export interface KvChange {
  key: string;
  value: string;
  deleted: boolean;
}

/** The demo's in-memory store; every change is also an event, which is what Watch streams. */
export class KvStore {
  private readonly values = new Map<string, string>();
  private readonly changes = new EventEmitter();

  constructor() {
    // Each Watch stream is one listener; a busy demo may hold many.
    this.changes.setMaxListeners(0);
  }

  get(key: string): string | undefined {
    return this.values.get(key);
  }

  put(key: string, value: string): void {
    this.values.set(key, value);
    this.changes.emit('change', { key, value, deleted: false } satisfies KvChange);
  }

  delete(key: string): boolean {
    const found = this.values.delete(key);
    if (found) this.changes.emit('change', { key, value: '', deleted: true } satisfies KvChange);
    return found;
  }

  /** Calls onChange for every change under prefix until the returned function is called. */
  watch(prefix: string, onChange: (change: KvChange) => void): () => void {
    const listener = (change: KvChange) => {
      if (change.key.startsWith(prefix)) onChange(change);
    };
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }
}
