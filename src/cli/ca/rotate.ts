import { Command, Option } from 'commander';
import { listCertificates } from '../../lifecycle/cert-status';
import { rotateCa } from '../../lifecycle/rotate-ca';
import { KEY_TYPES, KeyType } from '../../pki/crypto';
import { parseDays } from '../../text/quantities';
import { PkiDir } from '../../store/pki-dir';
import { moveToNewCaCommand } from '../error-wording';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function caRotateCommand(): Command {
  const cmd = new Command('rotate')
    .description('create a new CA that signs from now on; DIR/ca.crt becomes a bundle trusting old and new until `ca retire`')
    .option('--cn <name>', 'common name of the new CA (default: the old one with a generation suffix, "... G2")')
    .option('--days <n>', 'validity of the new CA: days, or with a unit (13w) (default 3650)')
    .addOption(new Option('--key-type <type>', "key algorithm of the new CA (default: the old CA's)").choices(KEY_TYPES))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .action(async (opts) => {
      const pki = new PkiDir(opts.dir);
      const r = await rotateCa(pki, {
        commonName: opts.cn,
        days: opts.days === undefined ? undefined : parseDays(opts.days, { option: 'days' }),
        keyType: opts.keyType as KeyType | undefined,
      });
      for (const warning of r.warnings) console.error(`warning: ${warning}`);
      const onOld = (await listCertificates(pki)).filter(
        (c) => c.caSerial === r.previous.serial && c.status !== 'revoked' && c.status !== 'expired',
      );
      console.log(
        `new ${r.intermediate ? 'intermediate ' : ''}CA "${r.created.subject}" (serial ${r.created.serial}, expires ${r.created.notAfter}) signs from now on`,
      );
      if (r.intermediate) {
        console.log(
          `  ${pki.intermediateCertFile}, ${pki.intermediateKeyFile} (0600): the new intermediate, signed by the root in ${pki.caCertFile} (unchanged: no host needs a new ca.crt)`,
        );
        console.log(
          `  the previous intermediate is kept as ${r.previous.keyFile.replace(/\.key$/, '.crt')} and .key: it signs its CRL until certrpc ca retire`,
        );
        console.log(`  ${pki.crlFile}: republished with a CRL for the new intermediate`);
        console.log(
          `next: move identities to it (${onOld.length ? onOld.map(moveToNewCaCommand).join('; ') : 'none left on the old one'}; agents move on their next renewal), then certrpc ca retire`,
        );
        return;
      }
      console.log(`  ${pki.caCertFile}: trusts "${r.created.subject}" and "${r.previous.subject}"`);
      console.log(`  ${pki.caKeyFile} (0600): the new CA's key; the previous key is kept as ${r.previous.keyFile}`);
      if (r.crlRepublished) console.log(`  ${pki.crlFile}: republished with a CRL for the new CA`);
      console.log('next:');
      console.log('  1. let servers and clients pick up the new ca.crt (they log "TLS material reloaded"), or copy it to other hosts');
      console.log(
        `  2. move identities to the new CA: ${onOld.length ? onOld.map(moveToNewCaCommand).join('; ') : '(none left on the old CA)'}`,
      );
      console.log('  3. certrpc ca retire   # removes the old CA from ca.crt once nothing depends on it');
    });
  return withHelp(cmd, ['certrpc ca rotate', 'certrpc ca rotate --cn "corp internal CA 2027" --days 1825']);
}
