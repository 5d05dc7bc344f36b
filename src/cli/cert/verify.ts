import { Command, Option } from 'commander';
import { parseCertificate } from '../../pki/ca';
import { parseCertificateBundle } from '../../pki/pem';
import { serialHex, verifyCertificate, VerifyResult } from '../../pki/verify';
import { describeRevocation, revocationOf } from '../../lifecycle/revocation-status';
import { PkiDir } from '../../store/pki-dir';
import { readUserFile } from '../../store/read-file';
import { ExitWith } from '../exit-codes';
import { defaultDir, DIR_HELP, withHelp } from '../help';
import { dnLine } from '../../pki/distinguished-name';

const VERIFY_EXIT_CODES_HELP = `Exit codes:
  0        the certificate verifies and is not revoked
  1        it does not: untrusted, expired, not yet valid, wrong purpose, a CA's pathlen or name constraints broken
           (PATH_LENGTH_EXCEEDED, PERMITTED_VIOLATION, EXCLUDED_VIOLATION...), or revoked (FAILED CERT_REVOKED, with the
           date and reason, when DIR/crl.pem or DIR/revocations.json lists it); or a file cannot be read
  2        usage error (unknown flag, missing argument, bad flag value)`;

export function certVerifyCommand(): Command {
  const cmd = new Command('verify')
    .description(
      'check that a certificate chains to the CA, is within its validity, is not revoked (DIR/crl.pem, DIR/revocations.json) and (optionally) fits a purpose',
    )
    .argument('<file>', 'PEM certificate to check')
    .option('--dir <dir>', `${DIR_HELP}; its crl.pem and revocations.json say what is revoked`, defaultDir())
    .option('--cacert <file>', 'verify against this CA bundle instead of DIR/ca.crt')
    .addOption(new Option('--purpose <purpose>', 'also require this extended key usage').choices(['client', 'server']))
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts) => {
      const pem = readUserFile(file, 'certificate');
      parseCertificate(pem, file);
      const pki = new PkiDir(opts.dir);
      const caFile = opts.cacert ?? pki.caCertFile;
      const trusted = parseCertificateBundle(readUserFile(caFile, 'CA bundle', opts.cacert ? '--cacert' : '--dir'), caFile);
      // A chain file (leaf, then its intermediates: what NAME.crt holds under an intermediate CA).
      const [leaf, ...intermediates] = parseCertificateBundle(pem, file);
      const chain = verifyCertificate(leaf, trusted, { purpose: opts.purpose, intermediates });
      const revocation = await revocationOf(leaf, pki, trusted, intermediates);
      const leafSerial = serialHex(leaf);
      // Revoked is the worst answer: it holds whatever else is wrong, and never stops being true.
      const result: VerifyResult = revocation.revoked
        ? {
            ok: false,
            code: 'CERT_REVOKED',
            reason:
              revocation.revoked.serial === leafSerial
                ? `certificate "${dnLine(leaf.subject)}" (serial ${leafSerial}) was ${describeRevocation(revocation.revoked)}`
                : `the intermediate CA (serial ${revocation.revoked.serial}) that certificate "${dnLine(leaf.subject)}" chains through was ${describeRevocation(revocation.revoked)}`,
            chain: chain.chain,
          }
        : chain;
      if (opts.json)
        console.log(
          JSON.stringify(
            { file, ...result, revocation: { revoked: Boolean(revocation.revoked), ...revocation.revoked, checked: revocation.checked } },
            null,
            2,
          ),
        );
      else if (result.ok)
        console.log(
          `${file}: OK (${result.chain.join(' <- ')}); ${revocation.checked.length ? `not revoked (checked ${revocation.checked.join(', ')})` : `revocation not checked (no ${pki.crlFile})`}`,
        );
      else console.error(`${file}: FAILED ${result.code}: ${result.reason}`);
      if (!result.ok) throw new ExitWith(1);
    });
  return withHelp(
    cmd,
    [
      'certrpc cert verify certs/alice.crt',
      'certrpc cert verify app.crt --cacert /etc/certrpc/ca.crt --purpose client',
      'certrpc cert verify bob.crt --dir /etc/certrpc   # FAILED CERT_REVOKED: ... revoked at ... (keyCompromise)',
    ],
    VERIFY_EXIT_CODES_HELP,
  );
}
