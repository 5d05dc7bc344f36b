import { Command } from 'commander';
import { caCrlCommand } from './crl';
import { caRetireCommand } from './retire';
import { caRotateCommand } from './rotate';
import { caServeCommand } from './serve';
import { caTokenCommand } from './token';

export function caCommand(): Command {
  return new Command('ca')
    .description('serve the certificate authority to agents (serve, token), rotate it while services keep running, and publish its CRLs')
    .addCommand(caRotateCommand())
    .addCommand(caRetireCommand())
    .addCommand(caCrlCommand())
    .addCommand(caServeCommand())
    .addCommand(caTokenCommand());
}
