import { Command, Option } from 'commander';
import { REVOCATION_REASONS, RevocationReason } from '../../pki/crl';
import { revokeCertificate } from '../../lifecycle/revoke';
import { PkiDir } from '../../store/pki-dir';
import { UsageError } from '../exit-codes';
import { defaultDir, DIR_HELP, withHelp } from '../help';
import { DEFAULT_CRL_DAYS } from '../../lifecycle/publish-crl';
import { parseDays } from '../../text/quantities';

export function certRevokeCommand(): Command {
  const cmd = new Command('revoke')
    .description(
      'revoke a certificate and publish DIR/crl.pem (one CRL per CA); servers watching it refuse the certificate at once, on new and open connections',
    )
    .argument('[name]', 'the identity to revoke (DIR/NAME.crt)')
    .option('--serial <hex>', 'revoke by serial instead: a renewed certificate kept in DIR/backup/, or one signed from a CSR')
    .addOption(new Option('--reason <reason>', 'RFC 5280 reason code').choices(REVOCATION_REASONS).default('unspecified'))
    .option('--crl-days <n>', 'days until the CRLs must be republished (nextUpdate)', String(DEFAULT_CRL_DAYS))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .action(async (name: string | undefined, opts) => {
      if (Boolean(name) === Boolean(opts.serial))
        throw new UsageError(
          'say which certificate: a NAME or --serial HEX (not both)',
          'e.g. certrpc cert revoke bob --reason keyCompromise',
        );
      const crlDays = parseDays(opts.crlDays, { max: 3650, option: 'crlDays' });
      const pki = new PkiDir(opts.dir);
      const r = await revokeCertificate(pki, name ? { name } : { serial: opts.serial }, {
        reason: opts.reason as RevocationReason,
        crlDays,
      });
      for (const warning of r.warnings) console.error(`warning: ${warning}`);
      const what = `${r.record.name ? `"${r.record.name}" ` : ''}(serial ${r.record.serial})`;
      if (r.already) {
        console.log(`${what} was already revoked at ${r.record.revokedAt} (${r.record.reason}); nothing changed`);
        return;
      }
      console.log(`revoked ${what} at ${r.record.revokedAt}, reason ${r.record.reason}`);
      console.log(`  listed by the CRL of ${r.listedBy.map((s) => `"${s}"`).join(', ')}`);
      console.log(`  published ${pki.crlFile} (CRL number ${r.crlNumber}); record: ${pki.revocationsFile}`);
      console.log('  servers watching crl.pem refuse it now: new handshakes, and calls on connections already open');
    });
  return withHelp(cmd, [
    'certrpc cert revoke bob --reason keyCompromise',
    'certrpc cert revoke --serial 5f3a9c0e1d2b4a6c8e0f1a2b3c4d5e6f --reason superseded',
    'openssl crl -in certs/crl.pem -noout -text',
  ]);
}
