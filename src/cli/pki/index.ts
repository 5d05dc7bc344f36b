import { Command } from 'commander';
import { pkiInitCommand } from './init';

export function pkiCommand(): Command {
  return new Command('pki').description('create and manage certificate authorities').addCommand(pkiInitCommand());
}
