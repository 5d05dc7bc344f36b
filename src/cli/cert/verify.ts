import { Command, Option } from 'commander';
import { parseCertificate } from '../../pki/ca';
import { parseCertificateBundle } from '../../pki/pem';
import { verifyCertificate } from '../../pki/verify';
import { PkiDir } from '../../store/pki-dir';
import { readUserFile } from '../../store/read-file';
import { ExitWith } from '../exit-codes';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function certVerifyCommand(): Command {
  const cmd = new Command('verify')
    .description('check that a certificate chains to the CA, is within its validity and (optionally) fits a purpose')
    .argument('<file>', 'PEM certificate to check')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--cacert <file>', 'verify against this CA bundle instead of DIR/ca.crt')
    .addOption(new Option('--purpose <purpose>', 'also require this extended key usage').choices(['client', 'server']))
    .option('--json', 'print the result as JSON')
    .action((file: string, opts) => {
      const pem = readUserFile(file, 'certificate');
      parseCertificate(pem, file);
      const caFile = opts.cacert ?? new PkiDir(opts.dir).caCertFile;
      const trusted = parseCertificateBundle(readUserFile(caFile, 'CA bundle', opts.cacert ? '--cacert' : '--dir'), caFile);
      const result = verifyCertificate(parseCertificateBundle(pem, file)[0], trusted, { purpose: opts.purpose });
      if (opts.json) console.log(JSON.stringify({ file, ...result }, null, 2));
      else if (result.ok) console.log(`${file}: OK (${result.chain.join(' <- ')})`);
      else console.error(`${file}: FAILED ${result.code}: ${result.reason}`);
      if (!result.ok) throw new ExitWith(1);
    });
  return withHelp(cmd, ['certrpc cert verify certs/alice.crt', 'certrpc cert verify app.crt --cacert /etc/certrpc/ca.crt --purpose client']);
}
