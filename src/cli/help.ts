import { Command } from 'commander';
import { EXIT_CODES_HELP } from './exit-codes';

/** Adds the two sections every certrpc help page has: examples, then exit codes. */
export function withHelp(cmd: Command, examples: string[], exitCodes = EXIT_CODES_HELP): Command {
  return cmd.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n\n${exitCodes}\n`);
}

export const DIR_HELP = 'PKI directory holding ca.crt, ca.key and NAME.crt/NAME.key (env CERTRPC_DIR)';
export function defaultDir(): string {
  return process.env.CERTRPC_DIR ?? 'certs';
}

/** Commander accumulator for repeatable flags (--san A --san B, -H x -H y). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];
