// Calling services from the shell: certrpc list | describe | call | doctor (top-level verbs, like grpcurl's).
import { Command } from 'commander';
import { callCommand } from './call';
import { describeCommand } from './describe';
import { doctorCommand } from './doctor';
import { listCommand } from './list';

export function rpcCommands(): Command[] {
  return [listCommand(), describeCommand(), callCommand(), doctorCommand()];
}
