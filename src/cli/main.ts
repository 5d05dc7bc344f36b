// certrpc's command line: `certrpc <group> <verb>`. Commands parse flags, call the library and
// print; errors become one message with the fix and an exit code from exit-codes.ts.
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PkiError } from '../pki/errors';
import { bundleCommand } from './bundle';
import { certCommand } from './cert';
import { EXIT, ExitWith, UsageError } from './exit-codes';
import { pkiCommand } from './pki';
import { proxyCommand } from './proxy';
import { policyCommand } from './policy';
import { rpcCommands } from './rpc';
import { serveCommand } from './serve';

/** Read at run time: dist/ sits beside package.json, and a JSON import would pull it into the build. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('certrpc')
    .description('gRPC services over mutual TLS, where the client certificate is the caller\'s identity')
    .version(packageVersion())
    .addCommand(pkiCommand())
    .addCommand(certCommand())
    .addCommand(bundleCommand())
    .addCommand(serveCommand())
    .addCommand(proxyCommand())
    .addCommand(policyCommand());
  for (const cmd of rpcCommands()) program.addCommand(cmd);
  configureAll(program);
  return program;
}

/** addCommand() does not pass settings down; every command must throw instead of exiting. */
function configureAll(cmd: Command): void {
  cmd.exitOverride();
  cmd.showHelpAfterError('(run with --help for usage and examples)');
  for (const sub of cmd.commands) configureAll(sub);
}

export function errorExitCode(err: unknown): number {
  if (err instanceof ExitWith) return err.code;
  if (err instanceof CommanderError) {
    return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? EXIT.OK : EXIT.USAGE;
  }
  if (err instanceof UsageError) return EXIT.USAGE;
  // A PKI error about a flag's value (bad --san, --days, --key-type) is a usage error.
  if (err instanceof PkiError && err.flag && !err.file) return EXIT.USAGE;
  return EXIT.ERROR;
}

export function errorMessage(err: unknown): string | undefined {
  if (err instanceof ExitWith || err instanceof CommanderError) return undefined; // already printed
  if (err instanceof PkiError) return `certrpc: ${err.describe()}`;
  if (err instanceof UsageError) return `certrpc: ${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}`;
  return `certrpc: ${(err as Error)?.message ?? String(err)}`;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  // grpc-js sets an IP address as TLS servername, which Node flags as deprecated on every call.
  process.noDeprecation = true;
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    const message = errorMessage(err);
    if (message) console.error(message);
    if (process.env.CERTRPC_DEBUG && err instanceof Error) console.error(err.stack);
    process.exitCode = errorExitCode(err);
  }
}
