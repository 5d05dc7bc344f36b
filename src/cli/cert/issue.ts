import { Command, Option } from 'commander';
import { KEY_TYPES, parseKeyType } from '../../pki/crypto';
import { describeCertificate } from '../../pki/inspect';
import { DEFAULT_LEAF_DAYS, issueCertificate } from '../../pki/issue';
import { displaySans } from '../../pki/name-text';
import { parseSanList } from '../../pki/subject-alt-names';
import { parseDays } from '../../text/quantities';
import { checkName, PkiDir } from '../../store/pki-dir';
import { collect, defaultDir, DIR_HELP, withHelp } from '../help';
import { profileOf } from './profile-flags';

export function certIssueCommand(): Command {
  const cmd = new Command('issue')
    .description('issue a key and a certificate signed by the CA: DIR/NAME.crt and DIR/NAME.key (0600)')
    .argument('<name>', 'file name of the identity (NAME.crt/NAME.key); also the CN unless --cn')
    .option('--server', 'a server certificate (extended key usage serverAuth)')
    .option('--client', 'a client certificate (extended key usage clientAuth)')
    .option('--cn <cn>', 'subject common name (default: NAME)')
    .option(
      '--san <list>',
      'subject alternative names, TYPE:VALUE comma-separated or repeated: DNS:, IP:, URI:, email: (--server needs at least one)',
      collect,
    )
    .option('--days <n>', 'validity: days, or with a unit (13w)', String(DEFAULT_LEAF_DAYS))
    .addOption(new Option('--key-type <type>', 'key algorithm').choices(KEY_TYPES).default('ecdsa-p256'))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--ca <name>', 'sign with the further CA DIR/cas/NAME/ (made by pki init --name NAME) instead of DIR/ca.crt')
    .option('--force', 'replace an existing NAME.crt/NAME.key')
    .action(async (name: string, opts) => {
      checkName(name);
      const profile = profileOf(opts);
      const sans = parseSanList(opts.san);
      const days = parseDays(opts.days, { option: 'days' });
      const keyType = parseKeyType(opts.keyType);
      const commonName: string = opts.cn ?? name;
      const pki = new PkiDir(opts.dir);
      if (!opts.force) pki.refuseExisting(name);
      const ca = opts.ca ? await pki.loadNamedCa(opts.ca) : await pki.loadCa();
      const pair = await issueCertificate(ca, { profile, commonName, sans, days, keyType });
      pki.writeIdentity(name, pair, Boolean(opts.force));
      const info = describeCertificate(pair.certPem);
      console.log(
        `issued ${profile} certificate "${info.subject}" serial ${info.serial}, expires ${info.notAfter}${info.sans.length ? `\n  names: ${displaySans(info.sans)}` : ''}`,
      );
      console.log(`  ${pki.certFile(name)}\n  ${pki.keyFile(name)} (0600)`);
    });
  return withHelp(cmd, [
    'certrpc cert issue server --server --cn localhost --san DNS:localhost,IP:127.0.0.1',
    'certrpc cert issue billing --server --san DNS:billing.internal --san URI:spiffe://corp/service/billing',
    'certrpc cert issue alice --client',
    'certrpc cert issue partner-bot --client --ca clients   # signed by DIR/cas/clients/ca.crt',
    'certrpc cert issue ci-bot --client --cn svc-ci.prod --days 30 --key-type rsa-2048',
  ]);
}
