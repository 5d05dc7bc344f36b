// Running a commander program the certrpc way: commands throw instead of exiting, and errors become
// one message with the fix and an exit code from exit-codes.ts. Shared by the full CLI (main.ts)
// and the calling verbs' own program (rpc/program.ts), so both behave exactly alike.
import { Command, CommanderError } from 'commander';
import { exitCodeOf, messageOf, reportError } from './error-report';
import { EXIT, ExitWith } from './exit-codes';
import { Loaded, parseLazily } from './lazy-command';

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
  if (err instanceof CommanderError) {
    return NOT_ERRORS.includes(err.code) ? EXIT.OK : EXIT.USAGE;
  }
  return exitCodeOf(err);
}

export function errorMessage(err: unknown): string | undefined {
  if (err instanceof CommanderError) return undefined; // already printed
  return messageOf(err);
}

/** Parses argv with the program `build` makes, its commands loaded as they are reached (lazy-command.ts). */
export async function runProgram(build: (loaded: Loaded) => Command, argv: string[]): Promise<void> {
  // grpc-js sets an IP address as TLS servername, which Node flags as deprecated on every call.
  process.noDeprecation = true;
  try {
    await parseLazily((loaded) => {
      const program = build(loaded);
      configureAll(program);
      return program;
    }, argv);
  } catch (err) {
    reportError(err, errorMessage(err), errorExitCode(err));
  }
}
