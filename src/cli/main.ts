// certrpc's command line: `certrpc <group> <verb>`. Commands parse flags, call the library and
// print; errors become one message with the fix and an exit code from exit-codes.ts.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { agentCommand } from './agent';
import { bundleCommand } from './bundle';
import { caCommand } from './ca';
import { certCommand } from './cert';
import { pkiCommand } from './pki';
import { proxyCommand } from './proxy';
import { policyCommand } from './policy';
import { rpcCommands } from './rpc';
import { configureAll, runProgram } from './run-program';
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
    .addCommand(caCommand())
    .addCommand(agentCommand())
    .addCommand(bundleCommand())
    .addCommand(serveCommand())
    .addCommand(proxyCommand())
    .addCommand(policyCommand());
  for (const cmd of rpcCommands()) program.addCommand(cmd);
  configureAll(program);
  return program;
}

// Error messages and exit codes live in run-program.ts, shared with the calling verbs' own program.
export { errorExitCode, errorMessage } from './run-program';

export async function main(argv: string[] = process.argv): Promise<void> {
  await runProgram(buildProgram(), argv);
}
