import { Command } from 'commander';
import { DEFAULT_CRL_DAYS, publishCrls } from '../../lifecycle/publish-crl';
import { PkiDir } from '../../store/pki-dir';
import { parseDays } from '../../text/quantities';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function caCrlCommand(): Command {
  const cmd = new Command('crl')
    .description(
      're-sign and publish DIR/crl.pem: one CRL per CA, listing every revocation recorded in DIR/revocations.json (run it before nextUpdate passes)',
    )
    .option('--days <n>', 'days until the next CRLs are due (nextUpdate); 7, 7d or 1w', String(DEFAULT_CRL_DAYS))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .action(async (opts) => {
      const days = parseDays(opts.days, { max: 3650, option: 'days' });
      const pki = new PkiDir(opts.dir);
      const r = await publishCrls(pki, { days });
      for (const warning of r.warnings) console.error(`warning: ${warning}`);
      console.log(`published ${pki.crlFile}: CRL number ${r.crlNumber}, next update due ${r.nextUpdate.toISOString()}`);
      for (const ca of r.perCa) console.log(`  "${ca.subject}" (serial ${ca.serial}): ${ca.revoked} revoked`);
    });
  return withHelp(cmd, ['certrpc ca crl', 'certrpc ca crl --days 7   # e.g. weekly from cron']);
}
