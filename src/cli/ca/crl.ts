import { Command } from 'commander';
import { DEFAULT_CRL_DAYS, publishCrls } from '../../lifecycle/publish-crl';
import { PkiDir } from '../../store/pki-dir';
import { UsageError } from '../exit-codes';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function caCrlCommand(): Command {
  const cmd = new Command('crl')
    .description('re-sign and publish DIR/crl.pem: one CRL per CA, listing every revocation recorded in DIR/revocations.json (run it before nextUpdate passes)')
    .option('--days <n>', 'days until the next CRLs are due (nextUpdate)', String(DEFAULT_CRL_DAYS))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .action(async (opts) => {
      const days = Number(opts.days);
      if (!/^\d+$/.test(opts.days) || days < 1 || days > 3650) throw new UsageError(`bad --days "${opts.days}"`, 'give a whole number of days between 1 and 3650');
      const pki = new PkiDir(opts.dir);
      const r = await publishCrls(pki, { days });
      for (const warning of r.warnings) console.error(`warning: ${warning}`);
      console.log(`published ${pki.crlFile}: CRL number ${r.crlNumber}, next update due ${r.nextUpdate.toISOString()}`);
      for (const ca of r.perCa) console.log(`  "${ca.subject}" (serial ${ca.serial}): ${ca.revoked} revoked`);
    });
  return withHelp(cmd, ['certrpc ca crl', 'certrpc ca crl --days 7   # e.g. weekly from cron']);
}
