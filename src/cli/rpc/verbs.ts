// The calling verbs: top-level like grpcurl's (certrpc call ADDR METHOD), and started by entry.ts
// without the rest of the CLI (rpc/program.ts). One line per verb; its code loads only when it runs.
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up (../lazy-command.ts) */
import { leaf, LeafEntry, nameOf } from '../lazy-command';

export const RPC_COMMANDS: readonly LeafEntry[] = [
  leaf(
    'list [options] <address> [service]',
    "list a server's services, or one service's methods (from server reflection or --proto files)",
    () => require('./list').listCommand(),
  ),
  leaf(
    'describe [options] <address> [symbol]',
    'print a service, method, message or enum as proto source (every service if SYMBOL is left out)',
    () => require('./describe').describeCommand(),
  ),
  leaf(
    'call [options] <address> <method>',
    'call a method: JSON (or protobuf text) in, the same out, one message per line for JSON streams; over mutual TLS',
    () => require('./call').callCommand(),
  ),
  leaf(
    'doctor [options] <address>',
    'check the way to a server step by step (TCP, TLS, certificates both ways, WhoAmI, health) and say what to fix',
    () => require('./doctor').doctorCommand(),
  ),
];

export const RPC_VERBS: readonly string[] = RPC_COMMANDS.map(nameOf);
