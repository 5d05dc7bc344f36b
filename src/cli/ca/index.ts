import { Command } from 'commander';
import { caCrlCommand } from './crl';
import { caRetireCommand } from './retire';
import { caRotateCommand } from './rotate';

export function caCommand(): Command {
  return new Command('ca')
    .description('rotate the certificate authority while services keep running, and publish its CRLs')
    .addCommand(caRotateCommand())
    .addCommand(caRetireCommand())
    .addCommand(caCrlCommand());
}
