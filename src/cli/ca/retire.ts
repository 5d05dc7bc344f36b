import { Command } from 'commander';
import { retireCa } from '../../lifecycle/retire-ca';
import { PkiDir } from '../../store/pki-dir';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function caRetireCommand(): Command {
  const cmd = new Command('retire')
    .description(
      'finish a rotation: remove the previous CA from DIR/ca.crt (refused while a certificate in `cert list` still depends on it); its files move to DIR/retired/',
    )
    .option('--serial <hex>', 'which CA to retire, when the bundle holds several previous ones')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .action(async (opts) => {
      const pki = new PkiDir(opts.dir);
      const r = await retireCa(pki, { serial: opts.serial });
      for (const warning of r.warnings) console.error(`warning: ${warning}`);
      for (const ca of r.retired)
        console.log(`retired CA "${ca.subject}" (serial ${ca.serial}): no longer trusted; kept in ${ca.certFile} and ${ca.keyFile}`);
      console.log(`  ${pki.caCertFile} now trusts: ${r.remaining.map((s) => `"${s}"`).join(', ')}`);
      if (r.crlRepublished) console.log(`  ${pki.crlFile}: republished without the retired CA`);
    });
  return withHelp(cmd, ['certrpc ca retire', 'certrpc ca retire --serial 4c2e...']);
}
