import { Command } from 'commander';
import { describeForCli } from '../error-wording';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { describeRevocation, KnownRevocation, revocationOf } from '../../lifecycle/revocation-status';
import { parseCertificate } from '../../pki/ca';
import { PkiError } from '../../pki/errors';
import { describeCertificate, formatCertificateInfo } from '../../pki/inspect';
import { parseCertificateBundle, pemBlocks } from '../../pki/pem';
import { verifyCertificate } from '../../pki/verify';
import { PkiDir } from '../../store/pki-dir';
import { readUserFile } from '../../store/read-file';
import { defaultDir, withHelp } from '../help';

/** JSON `revocation`: revoked (when, why, which file says so), not revoked (files checked), or unknown (a damaged file). */
type RevocationView = ({ revoked: true } & KnownRevocation) | { revoked: false; checked: string[] } | { revoked: 'unknown'; problem: string };

export function certInspectCommand(): Command {
  const cmd = new Command('inspect')
    .description('show a certificate (or every certificate of a bundle) as readable text, or JSON for scripts; says whether DIR/crl.pem or DIR/revocations.json lists it as revoked')
    .argument('<file>', 'PEM certificate or bundle')
    .option('--json', 'print JSON (one object, or an array for a bundle)')
    .option('--dir <dir>', 'check the chain against DIR/ca.crt when it exists, and revocation against DIR/crl.pem and DIR/revocations.json', defaultDir())
    .option('--cacert <file>', 'check the chain against this CA bundle instead')
    .action(async (file: string, opts) => {
      const pem = readUserFile(file, 'certificate');
      parseCertificate(pem, file);
      const trusted = trustedFor(opts);
      const pki = new PkiDir(opts.dir);
      const infos = [];
      for (const block of pemBlocks(pem)) {
        const cert = parseCertificateBundle(block)[0];
        const chain = trusted ? verifyCertificate(cert, trusted) : undefined;
        infos.push({ ...describeCertificate(block, chain), revocation: await revocationView(cert, pki, trusted) });
      }
      if (opts.json) console.log(JSON.stringify(infos.length === 1 ? infos[0] : infos, null, 2));
      else console.log(infos.map((i, n) => `${formatCertificateInfo(i, infos.length > 1 ? `${file} #${n + 1}` : file)}\n  ${'Revocation:'.padEnd(22)}${revocationText(i.revocation, pki)}`).join('\n\n'));
    });
  return withHelp(cmd, ['certrpc cert inspect certs/alice.crt', 'certrpc cert inspect certs/server.crt --json | jq .sans', 'certrpc cert inspect chain.pem --cacert root.pem', 'certrpc cert inspect bob.crt --json | jq .revocation']);
}

function trustedFor(opts: { cacert?: string; dir: string }) {
  if (opts.cacert) return parseCertificateBundle(readUserFile(opts.cacert, 'CA bundle', '--cacert'), opts.cacert);
  const pki = new PkiDir(opts.dir);
  return existsSync(pki.caCertFile) ? parseCertificateBundle(pki.trustBundle(), pki.caCertFile) : undefined;
}

async function revocationView(cert: X509Certificate, pki: PkiDir, trusted: X509Certificate[] | undefined): Promise<RevocationView> {
  try {
    const check = await revocationOf(cert, pki, trusted);
    return check.revoked ? { revoked: true, ...check.revoked } : { revoked: false, checked: check.checked };
  } catch (err) {
    // Inspecting still works with a damaged crl.pem; the answer says it could not be checked, and why.
    if (err instanceof PkiError) return { revoked: 'unknown', problem: describeForCli(err) };
    throw err;
  }
}

function revocationText(view: RevocationView, pki: PkiDir): string {
  if (view.revoked === true) return `REVOKED: ${describeRevocation(view)}`;
  if (view.revoked === 'unknown') return `UNKNOWN: ${view.problem}`;
  return view.checked.length ? `not revoked (checked ${view.checked.join(', ')})` : `not checked (no ${pki.crlFile})`;
}
