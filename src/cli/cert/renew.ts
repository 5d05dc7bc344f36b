import { Command } from 'commander';
import { renewIdentity } from '../../lifecycle/renew';
import { parseDays } from '../../text/quantities';
import { PkiDir } from '../../store/pki-dir';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function certRenewCommand(): Command {
  const cmd = new Command('renew')
    .description(
      'new key and certificate for an existing identity (same CN, SANs, purpose and key type, new serial), signed by the current CA; the old pair is kept in DIR/backup/',
    )
    .argument('<name>', 'the identity to renew: DIR/NAME.crt and DIR/NAME.key')
    .option('--days <n>', 'validity: days, or with a unit (13w) (default: as long as the current certificate)')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .action(async (name: string, opts) => {
      const days = opts.days === undefined ? undefined : parseDays(opts.days, { option: 'days' });
      const pki = new PkiDir(opts.dir);
      const r = await renewIdentity(pki, name, { days });
      console.log(
        `renewed ${r.profile} certificate "${name}": serial ${r.oldSerial} -> ${r.newSerial}, expires ${r.notAfter}, signed by "${r.signedBy}"`,
      );
      console.log(`  ${pki.certFile(name)}\n  ${pki.keyFile(name)} (0600)`);
      console.log(`  previous pair kept: ${r.backup.certFile}, ${r.backup.keyFile}`);
      console.log('  servers and clients watching these files switch to the new pair for new connections');
    });
  return withHelp(cmd, [
    'certrpc cert renew server',
    'certrpc cert renew alice --days 90',
    'certrpc cert list --expiring 30d --json | jq -r ".[] | select(.status == \\"expiring\\") | .name" | xargs -n1 certrpc cert renew',
  ]);
}
