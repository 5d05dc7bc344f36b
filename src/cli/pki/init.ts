import { Command, Option } from 'commander';
import { createCa, DEFAULT_CA_DAYS } from '../../pki/ca';
import { KEY_TYPES, parseKeyType } from '../../pki/crypto';
import { describeCertificate } from '../../pki/inspect';
import { parseDays } from '../../pki/validity';
import { PkiDir } from '../../store/pki-dir';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function pkiInitCommand(): Command {
  const cmd = new Command('init')
    .description('create a certificate authority: DIR/ca.crt and DIR/ca.key (0600)')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--cn <name>', 'common name of the CA', 'certrpc CA')
    .option('--days <n>', 'validity in days', String(DEFAULT_CA_DAYS))
    .addOption(new Option('--key-type <type>', 'key algorithm').choices(KEY_TYPES).default('ecdsa-p256'))
    .option('--force', 'replace an existing CA (every certificate it signed stops being trusted)')
    .action(async (opts) => {
      const pki = new PkiDir(opts.dir);
      if (!opts.force) pki.refuseExistingCa();
      const ca = await createCa({ commonName: opts.cn, days: parseDays(opts.days), keyType: parseKeyType(opts.keyType) });
      pki.writeCa(ca, Boolean(opts.force));
      const info = describeCertificate(ca.certPem);
      console.log(`created CA "${info.subject}" (serial ${info.serial}, expires ${info.notAfter})`);
      console.log(`  ${pki.caCertFile}\n  ${pki.caKeyFile} (0600: keep it secret, keep it off machines that only need ca.crt)`);
    });
  return withHelp(cmd, ['certrpc pki init', 'certrpc pki init --dir /etc/certrpc --cn "corp internal CA" --days 1825', 'certrpc pki init --key-type rsa-4096 --force']);
}
