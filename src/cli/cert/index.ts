import { Command } from 'commander';
import { certInspectCommand } from './inspect';
import { certIssueCommand } from './issue';
import { certListCommand } from './list';
import { certRenewCommand } from './renew';
import { certRevokeCommand } from './revoke';
import { certSignCommand } from './sign';
import { certVerifyCommand } from './verify';

export function certCommand(): Command {
  return new Command('cert')
    .description('issue, sign, inspect, verify, list, renew and revoke certificates')
    .addCommand(certIssueCommand())
    .addCommand(certSignCommand())
    .addCommand(certInspectCommand())
    .addCommand(certVerifyCommand())
    .addCommand(certListCommand())
    .addCommand(certRenewCommand())
    .addCommand(certRevokeCommand());
}
