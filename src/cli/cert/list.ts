import { Command } from 'commander';
import { CertStatus, DEFAULT_EXPIRING_DAYS, listCertificates } from '../../lifecycle/cert-status';
import { PkiDir } from '../../store/pki-dir';
import { parseDays } from '../../text/quantities';
import { UsageError } from '../exit-codes';
import { defaultDir, DIR_HELP, withHelp } from '../help';
import { formatTable } from '../table';
import { escapeDnValue } from '../../pki/distinguished-name';

const STATUSES: CertStatus[] = ['valid', 'expiring', 'expired', 'revoked', 'not-yet-valid', 'untrusted'];

export function certListCommand(): Command {
  const cmd = new Command('list')
    .description(
      'list the certificates in the PKI directory, DIR/NAME.crt and those cert sign made from CSRs (DIR/signed/, NAME "(signed)"): ' +
        'purpose, CN, serial, expiry, issuing CA and status (valid, expiring, expired, revoked, not-yet-valid, untrusted)',
    )
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--expiring <days>', 'a certificate expiring within this many days is "expiring"', `${DEFAULT_EXPIRING_DAYS}d`)
    .option('--status <list>', `only these statuses, comma-separated: ${STATUSES.join(',')}`)
    .option('--json', 'print JSON')
    .action(async (opts) => {
      const expiringDays = parseDays(opts.expiring, { min: 0, option: '--expiring' });
      const only = opts.status === undefined ? undefined : (String(opts.status).split(',') as CertStatus[]);
      const unknown = only?.find((s) => !STATUSES.includes(s));
      if (unknown !== undefined) throw new UsageError(`bad --status "${unknown}"`, `use one or more of ${STATUSES.join(',')}`);
      const pki = new PkiDir(opts.dir);
      const rows = (await listCertificates(pki, { expiringDays })).filter((r) => !only || only.includes(r.status));
      if (opts.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0)
        return console.log(
          only ? 'no certificate has that status' : `no certificates in ${pki.dir} (issue one: certrpc cert issue NAME --client)`,
        );
      console.log(
        formatTable(
          ['NAME', 'PURPOSE', 'CN', 'SERIAL', 'EXPIRES', 'CA', 'STATUS'],
          rows.map((r) => [
            r.name,
            r.purpose,
            escapeDnValue(r.commonName),
            r.serial,
            r.notAfter.slice(0, 10),
            r.caSerial ? r.issuer : '-',
            r.status === 'valid' ? 'valid' : `${r.status}${r.detail ? `: ${r.detail}` : ''}`,
          ]),
        ),
      );
    });
  return withHelp(cmd, [
    'certrpc cert list',
    'certrpc cert list --expiring 60d --status expiring,expired',
    'certrpc cert list --dir /etc/certrpc --json | jq -r ".[] | select(.status != \\"valid\\") | .name"',
  ]);
}
