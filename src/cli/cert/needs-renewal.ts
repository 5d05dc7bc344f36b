import { Command } from 'commander';
import { CertrpcError } from '../../errors/certrpc-error';
import { parseExpiresIn, renewalVerdict } from '../../lifecycle/renewal-due';
import { formatApproxDuration } from '../../text/quantities';
import { readCertificateInput } from '../../pki/certificate-input';
import { readUserBytes } from '../../store/read-file';
import { ExitWith } from '../exit-codes';
import { withHelp } from '../help';
import { errorMessage, usageExitCode } from '../run-program';

/** As `step certificate needs-renewal`: cron jobs branch on these, so an error is never 1 ("fine"). */
const NEEDS_RENEWAL_EXIT = { NEEDS: 0, FINE: 1, MISSING: 2, ERROR: 255 } as const;

const NEEDS_RENEWAL_EXIT_CODES_HELP = `Exit codes (as step certificate needs-renewal; not certrpc's usual ones):
  0        the certificate needs renewal: 66% of its lifetime has passed (or --expires-in), or it has expired
  1        it does not need renewal yet
  2        the certificate file does not exist
  255      any other error: an unreadable or damaged file, a bad flag value, an unknown flag`;

export function certNeedsRenewalCommand(): Command {
  const cmd = new Command('needs-renewal')
    .description(
      'exit 0 when a certificate needs renewal, 1 when not (for cron: certrpc cert needs-renewal F && certrpc cert renew NAME). ' +
        'It needs renewal once 66% of its lifetime has passed, or --expires-in PERCENT% of it, or when it expires within --expires-in DURATION',
    )
    .argument('<file>', 'the certificate (PEM or DER; of a chain file, the first)')
    .option(
      '--expires-in <percent|duration>',
      'the share of the lifetime (75%) or the window before expiry (30d, 12h, 1h15m) that calls for renewal (default 66%)',
    )
    .option('-v, --verbose', 'say why, on stdout (otherwise only the exit code speaks)')
    .action((file: string, opts) => {
      try {
        const threshold = parseExpiresIn(opts.expiresIn);
        const [cert] = readCertificateInput(readUserBytes(file, 'certificate'), file).certificates;
        const v = renewalVerdict(cert, threshold);
        if (opts.verbose) {
          const when =
            v.remainingMs < 0 ? `expired ${formatApproxDuration(v.remainingMs)} ago` : `expires in ${formatApproxDuration(v.remainingMs)}`;
          console.log(
            `${file}: ${v.needsRenewal ? 'needs renewal' : 'does not need renewal'}: ${v.percentUsed}% of its lifetime has passed, ${when} (${v.notAfter}); renewal at ${v.rule}`,
          );
        }
        if (!v.needsRenewal) throw new ExitWith(NEEDS_RENEWAL_EXIT.FINE);
      } catch (err) {
        if (err instanceof ExitWith) throw err;
        console.error(errorMessage(err));
        throw new ExitWith(
          err instanceof CertrpcError && err.code === 'FILE_NOT_FOUND' ? NEEDS_RENEWAL_EXIT.MISSING : NEEDS_RENEWAL_EXIT.ERROR,
        );
      }
    });
  usageExitCode(cmd, NEEDS_RENEWAL_EXIT.ERROR);
  return withHelp(
    cmd,
    [
      'certrpc cert needs-renewal certs/server.crt && certrpc cert renew server     # cron: renew at 2/3 of the lifetime',
      'certrpc cert needs-renewal certs/alice.crt --expires-in 30d                   # expires within 30 days?',
      'certrpc cert needs-renewal certs/alice.crt --expires-in 75% -v',
      'certrpc cert needs-renewal certs/alice.crt --expires-in 0s                    # expired?',
    ],
    NEEDS_RENEWAL_EXIT_CODES_HELP,
  );
}
