import { Command } from 'commander';
import { certCsrCommand } from './csr';
import { certInspectCommand } from './inspect';
import { certIssueCommand } from './issue';
import { certListCommand } from './list';
import { certNeedsRenewalCommand } from './needs-renewal';
import { certRenewCommand } from './renew';
import { certRevokeCommand } from './revoke';
import { certSignCommand } from './sign';
import { certVerifyCommand } from './verify';

export function certCommand(): Command {
  return new Command('cert')
    .description('issue, request (csr), sign, inspect, verify, list, renew and revoke certificates, and check whether one needs renewal')
    .addCommand(certIssueCommand())
    .addCommand(certCsrCommand())
    .addCommand(certSignCommand())
    .addCommand(certInspectCommand())
    .addCommand(certVerifyCommand())
    .addCommand(certListCommand())
    .addCommand(certNeedsRenewalCommand())
    .addCommand(certRenewCommand())
    .addCommand(certRevokeCommand());
}
