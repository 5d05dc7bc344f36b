import { Command } from 'commander';
import { bundleExportCommand } from './export';
import { bundleExtractCommand } from './extract';

export function bundleCommand(): Command {
  return new Command('bundle')
    .description('pack an identity (certificate, key, trusted CAs) into one file for another machine, and unpack it')
    .addCommand(bundleExportCommand())
    .addCommand(bundleExtractCommand());
}
