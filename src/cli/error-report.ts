// How a failed command ends: one message with the fix, an exit code from exit-codes.ts. Without
// commander (run-program.ts adds its errors), so the thread that runs `certrpc serve` reports the
// same way without loading it (serve-run.ts).
import { CertrpcError } from '../errors/certrpc-error';
import { printable } from '../text/printable';
import type * as ErrorWordingModule from './error-wording';
import { EXIT, ExitWith, UsageError } from './exit-codes';

export function exitCodeOf(err: unknown): number {
  if (err instanceof ExitWith) return err.code;
  if (err instanceof UsageError) return EXIT.USAGE;
  // An error about an option's value (bad --san, --days, --key-type), not about a file, is a usage error.
  if (err instanceof CertrpcError && err.option && !err.file) return EXIT.USAGE;
  return EXIT.ERROR;
}

export function messageOf(err: unknown): string | undefined {
  if (err instanceof ExitWith) return undefined; // already printed
  // Its wording (and the TLS failure table it draws on) only when there is an error to word: a
  // serving thread would keep them all its life for the one message it may print.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (err instanceof CertrpcError) return `certrpc: ${(require('./error-wording') as typeof ErrorWordingModule).describeForCli(err)}`;
  if (err instanceof UsageError) return `certrpc: ${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}`;
  return `certrpc: ${(err as Error)?.message ?? String(err)}`;
}

/** Prints the message (undefined: already printed) and sets the exit code. */
export function reportError(err: unknown, message: string | undefined, code: number): void {
  // A message may quote a peer (a reflection answer, a server's name): its lines cannot steer the terminal.
  if (message) console.error(message.split('\n').map(printable).join('\n'));
  if (process.env.CERTRPC_DEBUG && err instanceof Error) console.error(err.stack);
  process.exitCode = code;
}
