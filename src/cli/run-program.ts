// Running a commander program the certrpc way: commands throw instead of exiting, and errors become
// one message with the fix and an exit code from exit-codes.ts. Shared by the full CLI (main.ts)
// and the calling verbs' own program (rpc/program.ts), so both behave exactly alike.
import { Command, CommanderError } from 'commander';
import { CertrpcError } from '../errors/certrpc-error';
import { describeForCli } from './error-wording';
import { EXIT, ExitWith, UsageError } from './exit-codes';

/** Commands whose usage errors exit with another code than 2 (cert needs-renewal: 2 is "no such file" there, as in step). */
const USAGE_EXIT_CODES = new WeakMap<Command, number>();
const NOT_ERRORS = ['commander.helpDisplayed', 'commander.version', 'commander.help'];

export function usageExitCode(cmd: Command, code: number): Command {
  USAGE_EXIT_CODES.set(cmd, code);
  return cmd;
}

/** addCommand() does not pass settings down; every command must throw instead of exiting. */
export function configureAll(cmd: Command): void {
  const usageCode = USAGE_EXIT_CODES.get(cmd);
  // Commander has printed the error by then; ExitWith only sets the code.
  cmd.exitOverride(
    usageCode === undefined
      ? undefined
      : (err) => {
          throw NOT_ERRORS.includes(err.code) ? err : new ExitWith(usageCode);
        },
  );
  cmd.showHelpAfterError('(run with --help for usage and examples)');
  for (const sub of cmd.commands) configureAll(sub);
}

export function errorExitCode(err: unknown): number {
  if (err instanceof ExitWith) return err.code;
  if (err instanceof CommanderError) {
    return NOT_ERRORS.includes(err.code) ? EXIT.OK : EXIT.USAGE;
  }
  if (err instanceof UsageError) return EXIT.USAGE;
  // An error about an option's value (bad --san, --days, --key-type), not about a file, is a usage error.
  if (err instanceof CertrpcError && err.option && !err.file) return EXIT.USAGE;
  return EXIT.ERROR;
}

export function errorMessage(err: unknown): string | undefined {
  if (err instanceof ExitWith || err instanceof CommanderError) return undefined; // already printed
  if (err instanceof CertrpcError) return `certrpc: ${describeForCli(err)}`;
  if (err instanceof UsageError) return `certrpc: ${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}`;
  return `certrpc: ${(err as Error)?.message ?? String(err)}`;
}

export async function runProgram(program: Command, argv: string[]): Promise<void> {
  // grpc-js sets an IP address as TLS servername, which Node flags as deprecated on every call.
  process.noDeprecation = true;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const message = errorMessage(err);
    if (message) console.error(message);
    if (process.env.CERTRPC_DEBUG && err instanceof Error) console.error(err.stack);
    process.exitCode = errorExitCode(err);
  }
}
