// grpc-js writes its own diagnostics ("E Failed to add metadata entry ...") to stderr as plain
// text. A process that logs JSON routes them into its pino logger instead, so every line on
// stderr is structured. grpc-js's logger is process-wide: only a CLI process should call this.
import { setLogger } from '@grpc/grpc-js';
import { format } from 'node:util';
import type { Logger } from './logger';

/** grpc-js quotes a rejected metadata value in full: it may be a credential, and it is the client's to know. */
function withoutMetadataValues(text: string): string {
  return text.replace(/(Failed to add metadata entry [^:]*): [\s\S]*?\. (Metadata (?:string )?value )"[\s\S]*?"/g, '$1: [value withheld]. $2[withheld]');
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
