// The calling verbs as a program of their own. Scripts run `certrpc call` in loops, and loading the
// PKI, policy and bundle commands (x509, WebCrypto, YAML, zod) would cost more than the call itself.
import { Command } from 'commander';
import { configureAll, runProgram } from '../run-program';
import { rpcCommands } from './index';

function drained(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => (stream.writableNeedDrain ? stream.once('drain', () => resolve()) : resolve()));
}

/** grpcurl spells its flags with one dash (-plaintext, -insecure): take those two, to answer why not. */
const GRPCURL_SPELLINGS: Record<string, string> = { '-plaintext': '--plaintext', '-insecure': '--insecure' };

export async function main(argv: string[] = process.argv): Promise<void> {
  const end = argv.indexOf('--');
  argv = argv.map((arg, i) => (end >= 0 && i > end ? arg : (GRPCURL_SPELLINGS[arg] ?? arg)));
  const program = new Command('certrpc').description('gRPC services over mutual TLS (calling verbs; run certrpc --help for every command)');
  for (const cmd of rpcCommands()) program.addCommand(cmd);
  configureAll(program);
  await runProgram(program, argv);
  // The command is over. grpc-js may still hold a socket whose TLS handshake never ends (a port
  // that accepts TCP and says nothing) even after the channel is closed: do not wait for it.
  await Promise.all([drained(process.stdout), drained(process.stderr)]);
  process.exit();
}
