// grpc-js writes its own diagnostics ("E Failed to add metadata entry ...") to stderr as plain
// text. A process that logs JSON routes them into its JSON logger instead, so every line on
// stderr is structured. grpc-js's logger is process-wide: only a CLI process should call this.
import { setLogger } from '@grpc/grpc-js';
import { format } from 'node:util';
import type { Logger } from './logger';

/**
 * grpc-js quotes metadata values: in full when it rejects one, and as a whole header block in its
 * traces (GRPC_TRACE=server_call: "received headers {...}"; call_stream: "Received server headers:").
 * A value may be a credential, and it is the peer's to know: the names stay, the values go.
 */
export function withoutMetadataValues(text: string): string {
  return text
    .replace(
      /(Failed to add metadata entry [^:]*): [\s\S]*?\. (Metadata (?:string )?value )"[\s\S]*?"/g,
      '$1: [value withheld]. $2[withheld]',
    )
    .replace(/( received headers )(\{[\s\S]*\})$/, (_m, lead: string, json: string) => lead + namesOnly(json))
    .replace(/(Received server headers:\n)[\s\S]*$/, (_m, lead: string) => `${lead}[values withheld]`);
}

function namesOnly(json: string): string {
  try {
    return JSON.stringify(Object.fromEntries(Object.keys(JSON.parse(json) as object).map((k) => [k, '[withheld]'])));
  } catch {
    return '[values withheld]';
  }
}

export function routeGrpcJsLogs(logger: Logger): void {
  const child = logger.child({ source: 'grpc-js' });
  const text = (message: unknown, rest: unknown[]) => withoutMetadataValues(format(message, ...rest)).slice(0, 2000);
  setLogger({
    error: (message?: unknown, ...rest: unknown[]) => child.warn(text(message, rest)),
    info: (message?: unknown, ...rest: unknown[]) => child.info(text(message, rest)),
    debug: (message?: unknown, ...rest: unknown[]) => child.debug(text(message, rest)),
  });
}
