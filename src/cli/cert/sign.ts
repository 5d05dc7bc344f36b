import { Command } from 'commander';
import { CheckedCsr, readCsr } from '../../pki/csr';
import { describeCertificate } from '../../pki/inspect';
import { DEFAULT_LEAF_DAYS, signCsr, withChain } from '../../pki/issue';
import { displaySan } from '../../pki/name-text';
import { Profile } from '../../pki/profiles';
import { formatSanText, parseSanList } from '../../pki/subject-alt-names';
import { parseDays } from '../../text/quantities';
import { refuseExistingFile, writeFileAtomic } from '../../store/atomic-write';
import { PkiDir } from '../../store/pki-dir';
import { readUserFile } from '../../store/read-file';
import { collect, defaultDir, DIR_HELP, withHelp } from '../help';
import { profileOf } from './profile-flags';

export function certSignCommand(): Command {
  const cmd = new Command('sign')
    .description(
      "sign a certificate signing request made elsewhere; the requester's private key never leaves its host. The certificate says what the signer states " +
        '(--cn, --san), not what the CSR asks for; every name it holds is printed (stderr). A copy is recorded as DIR/signed/SERIAL.crt: ' +
        'cert list shows it, cert revoke --serial revokes it, and ca retire waits for it',
    )
    .argument(
      '<csr-file>',
      'PKCS#10 request in PEM (e.g. from openssl req -new); its key must be ECDSA P-256/P-384/P-521 or RSA >= 2048 bits',
    )
    .option('--server', 'sign as a server certificate (serverAuth); needs at least one SAN')
    .option('--client', 'sign as a client certificate (clientAuth)')
    .option('--cn <cn>', "the subject common name (default: the CSR's CN, when it has exactly one)")
    .option('--san <list>', 'subject alternative names, TYPE:VALUE comma-separated or repeated: DNS:, IP:, URI:, email:', collect)
    .option('--accept-csr-names', 'also copy the SANs the CSR asks for (printed first; each checked like --san)')
    .option('--days <n>', 'validity: days, or with a unit (13w)', String(DEFAULT_LEAF_DAYS))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('-o, --out <file>', 'where to write the certificate (default: stdout)')
    .option('--force', 'replace an existing --out file')
    .action(async (csrFile: string, opts) => {
      const profile = profileOf(opts);
      const days = parseDays(opts.days, { option: 'days' });
      const sans = parseSanList(opts.san);
      const request = await readCsr(readUserFile(csrFile, 'certificate signing request'), csrFile);
      const pki = new PkiDir(opts.dir);
      const ca = await pki.loadCa();
      // Refused before signing: a certificate that is signed is recorded, and should reach its requester.
      if (opts.out && !opts.force) refuseExistingFile(opts.out);
      console.error(describeRequest(request, csrFile, profile, Boolean(opts.acceptCsrNames)));
      const cert = await signCsr(
        ca,
        request,
        { profile, days, commonName: opts.cn, sans, acceptCsrNames: Boolean(opts.acceptCsrNames) },
        csrFile,
      );
      // Under an intermediate, the file is the chain (leaf first), as NAME.crt is.
      const pem = `${withChain(ca, cert).trim()}\n`;
      const info = describeCertificate(pem);
      // Recorded before it leaves: every certificate this CA signed is in cert list, revocable by serial, and holds ca retire back.
      const record = pki.recordSigned(info.serial, pem);
      if (opts.out) writeFileAtomic(opts.out, pem, { overwrite: Boolean(opts.force) });
      else process.stdout.write(pem);
      console.error(
        [
          `signed ${profile} certificate serial ${info.serial}, expires ${info.notAfter}${opts.out ? ` -> ${opts.out}` : ''}`,
          `  subject: ${info.subject}`,
          ...(info.sans.length > 0 ? info.sans.map((s) => `  SAN:     ${displaySan(s)}`) : ['  SANs:    none']),
          `  recorded: ${record} (certrpc cert list shows it; certrpc cert revoke --serial ${info.serial} revokes it)`,
        ].join('\n'),
      );
    });
  return withHelp(cmd, [
    'certrpc cert csr app --dir .                                      # on the host that keeps the key: app.key (0600), app.csr',
    'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout app.key -subj "/CN=app" -out app.csr',
    'certrpc cert sign app.csr --client -o app.crt                     # CN=app, no SANs',
    'certrpc cert sign app.csr --client --san URI:spiffe://corp/svc/app -o app.crt',
    'certrpc cert sign web.csr --server --cn web --san DNS:web.internal,IP:10.0.0.7 --days 90 -o web.crt',
    'certrpc cert sign web.csr --server --accept-csr-names -o web.crt   # copies the SANs the CSR asks for, after printing them',
  ]);
}

/** What the CSR asks for and what of it is (not) taken, before anything is signed. */
function describeRequest(request: CheckedCsr, file: string, profile: Profile, acceptNames: boolean): string {
  const lines = [`CSR ${file}: ${request.publicKey} key, subject ${request.subject || '(empty)'}`];
  const asked = [...request.requestedSans.map(formatSanText), ...request.unsupportedSans];
  if (asked.length > 0) {
    lines.push(
      acceptNames
        ? `  copying the names it asks for (--accept-csr-names): ${asked.join(', ')}`
        : `  not copied, the names it asks for: ${asked.join(', ')} (state names with --san, or copy these with --accept-csr-names)`,
    );
  }
  if (request.otherSubjectAttributes.length > 0)
    lines.push(`  not copied, subject attributes: ${request.otherSubjectAttributes.join(', ')} (the subject is the CN only)`);
  if (request.otherExtensions.length > 0)
    lines.push(`  not copied, extensions: ${request.otherExtensions.join(', ')} (the ${profile} profile decides them)`);
  return lines.join('\n');
}
