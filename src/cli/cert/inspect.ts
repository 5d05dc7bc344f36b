import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { parseCertificate } from '../../pki/ca';
import { describeCertificate, formatCertificateInfo } from '../../pki/inspect';
import { parseCertificateBundle, pemBlocks } from '../../pki/pem';
import { verifyCertificate } from '../../pki/verify';
import { PkiDir } from '../../store/pki-dir';
import { readUserFile } from '../../store/read-file';
import { defaultDir, withHelp } from '../help';

export function certInspectCommand(): Command {
  const cmd = new Command('inspect')
    .description('show a certificate (or every certificate of a bundle) as readable text, or JSON for scripts')
    .argument('<file>', 'PEM certificate or bundle')
    .option('--json', 'print JSON (one object, or an array for a bundle)')
    .option('--dir <dir>', 'check the chain against DIR/ca.crt when it exists', defaultDir())
    .option('--cacert <file>', 'check the chain against this CA bundle instead')
    .action((file: string, opts) => {
      const pem = readUserFile(file, 'certificate');
      parseCertificate(pem, file);
      const trusted = trustedFor(opts);
      const infos = pemBlocks(pem).map((block) => {
        const chain = trusted ? verifyCertificate(parseCertificateBundle(block)[0], trusted) : undefined;
        return describeCertificate(block, chain);
      });
      if (opts.json) console.log(JSON.stringify(infos.length === 1 ? infos[0] : infos, null, 2));
      else console.log(infos.map((i, n) => formatCertificateInfo(i, infos.length > 1 ? `${file} #${n + 1}` : file)).join('\n\n'));
    });
  return withHelp(cmd, ['certrpc cert inspect certs/alice.crt', 'certrpc cert inspect certs/server.crt --json | jq .sans', 'certrpc cert inspect chain.pem --cacert root.pem']);
}

function trustedFor(opts: { cacert?: string; dir: string }) {
  if (opts.cacert) return parseCertificateBundle(readUserFile(opts.cacert, 'CA bundle', '--cacert'), opts.cacert);
  const pki = new PkiDir(opts.dir);
  return existsSync(pki.caCertFile) ? parseCertificateBundle(pki.trustBundle(), pki.caCertFile) : undefined;
}
