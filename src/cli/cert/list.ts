import { Command } from 'commander';
import { describeCertificate } from '../../pki/inspect';
import { parseCertificateBundle } from '../../pki/pem';
import { verifyCertificate } from '../../pki/verify';
import { PkiDir } from '../../store/pki-dir';
import { readUserFile } from '../../store/read-file';
import { defaultDir, DIR_HELP, withHelp } from '../help';
import { formatTable } from '../table';

export function certListCommand(): Command {
  const cmd = new Command('list')
    .description('list the certificates in the PKI directory with their purpose, names, expiry and status')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--json', 'print JSON')
    .action((opts) => {
      const pki = new PkiDir(opts.dir);
      const trusted = pki.hasCa() ? parseCertificateBundle(pki.trustBundle(), pki.caCertFile) : [];
      const rows = pki.names().map((name) => {
        const file = pki.certFile(name);
        const pem = readUserFile(file, 'certificate');
        const chain = verifyCertificate(parseCertificateBundle(pem, file)[0], trusted);
        const info = describeCertificate(pem, chain);
        const status = chain.ok ? (info.daysLeft < 30 ? 'expiring' : 'valid') : chain.code === 'CERT_HAS_EXPIRED' ? 'expired' : chain.code === 'CERT_NOT_YET_VALID' ? 'not-yet-valid' : 'untrusted';
        return { name, purpose: info.extendedKeyUsage.join(',') || '-', commonName: info.commonName, serial: info.serial, notAfter: info.notAfter, daysLeft: info.daysLeft, status, issuer: info.issuer, sans: info.sans };
      });
      if (opts.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log(`no certificates in ${pki.dir} (issue one: certrpc cert issue NAME --client)`);
      console.log(formatTable(['NAME', 'PURPOSE', 'CN', 'SERIAL', 'EXPIRES', 'STATUS'], rows.map((r) => [r.name, r.purpose, r.commonName, r.serial, r.notAfter.slice(0, 10), r.status])));
    });
  return withHelp(cmd, ['certrpc cert list', 'certrpc cert list --dir /etc/certrpc --json | jq -r ".[] | select(.status != \\"valid\\") | .name"']);
}
