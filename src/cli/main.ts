// certrpc's command line: `certrpc <group> <verb>`. Commands parse flags, call the library and
// print; errors become one message with the fix and an exit code from exit-codes.ts.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMMANDS } from './commands';
import { addCommands, Loaded } from './lazy-command';
import { runProgram } from './run-program';

/** Read at run time: dist/ sits beside package.json, and a JSON import would pull it into the build. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

/** The whole CLI; with `loaded`, only those commands are built for real, the others are stubs (lazy-command.ts). */
export function buildProgram(loaded: Loaded = 'all'): Command {
  const program = new Command('certrpc')
    .description("gRPC services over mutual TLS, where the client certificate is the caller's identity")
    .version(packageVersion());
  return addCommands(program, COMMANDS, loaded);
}

// Error messages and exit codes live in run-program.ts, shared with the calling verbs' own program.
export { errorExitCode, errorMessage } from './run-program';

export async function main(argv: string[] = process.argv): Promise<void> {
  await runProgram(buildProgram, argv);
}
