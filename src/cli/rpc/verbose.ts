// -v: what happened, on stderr (stdout stays pure JSON for pipes). Lines start with "*" for
// certrpc's own steps, ">" for what was sent and "<" for what came back, like curl -v.
import type { Metadata, StatusObject } from '@grpc/grpc-js';
import { statusName } from './rpc-errors';
import { printable } from '../../text/printable';

export class VerboseLog {
  private readonly started = performance.now();

  constructor(private readonly enabled: boolean) {}

  step(text: string): void {
    if (this.enabled) process.stderr.write(`* ${text} (${this.elapsed()})\n`);
  }

  sent(text: string, metadata?: Metadata): void {
    if (!this.enabled) return;
    process.stderr.write(`> ${text}\n`);
    if (metadata) this.headers('>', 'request headers', metadata);
  }

  /** Printed as they arrive: for a stream, the headers say the call is live. */
  receivedHeaders(headers: Metadata): void {
    if (this.enabled) this.headers('<', 'response headers', headers);
  }

  receivedStatus(status: StatusObject): void {
    if (!this.enabled) return;
    this.headers('<', 'response trailers', status.metadata);
    const details = status.code !== 0 && status.details ? `: ${printable(status.details)}` : '';
    process.stderr.write(`< status: ${statusName(status.code)} (${status.code})${details}\n`);
  }

  private headers(arrow: string, title: string, metadata?: Metadata): void {
    const entries = Object.entries(metadata?.toJSON() ?? {});
    process.stderr.write(`${arrow} ${title}:${entries.length === 0 ? ' (none)' : ''}\n`);
    for (const [key, values] of entries) {
      for (const value of values)
        process.stderr.write(`${arrow}   ${printable(key)}: ${Buffer.isBuffer(value) ? value.toString('base64') : printable(value)}\n`);
    }
  }

  private elapsed(): string {
    return `${(performance.now() - this.started).toFixed(1)} ms`;
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
