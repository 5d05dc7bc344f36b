import { Command } from 'commander';
import { policyCheckCommand } from './check';
import { policyExplainCommand } from './explain';

export function policyCommand(): Command {
  return new Command('policy')
    .description('check authorization policies and explain their decisions')
    .addCommand(policyCheckCommand())
    .addCommand(policyExplainCommand());
}
