import { Command } from 'commander';
import { describeCertificate } from '../../pki/inspect';
import { DEFAULT_LEAF_DAYS, signCsr } from '../../pki/issue';
import { parseSanList } from '../../pki/subject-alt-names';
import { parseDays } from '../../pki/validity';
import { writeFileAtomic } from '../../store/atomic-write';
import { PkiDir } from '../../store/pki-dir';
import { readUserFile } from '../../store/read-file';
import { collect, defaultDir, DIR_HELP, withHelp } from '../help';
import { profileOf } from './profile-flags';


export function certSignCommand(): Command {
  const cmd = new Command('sign')
    .description("sign a certificate signing request made elsewhere; the requester's private key never leaves its host")
    .argument('<csr-file>', 'PKCS#10 request in PEM (e.g. from openssl req -new)')
    .option('--server', 'sign as a server certificate (serverAuth)')
    .option('--client', 'sign as a client certificate (clientAuth)')
    .option('--cn <cn>', "override the request's common name")
    .option('--san <list>', 'add subject alternative names (TYPE:VALUE, comma-separated or repeated)', collect)
    .option('--days <n>', 'validity in days', String(DEFAULT_LEAF_DAYS))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('-o, --out <file>', 'where to write the certificate (default: stdout)')
    .option('--force', 'replace an existing --out file')
    .action(async (csrFile: string, opts) => {
      const profile = profileOf(opts);
      const days = parseDays(opts.days);
      const sans = parseSanList(opts.san);
      const csrPem = readUserFile(csrFile, 'certificate signing request');
      const ca = await new PkiDir(opts.dir).loadCa();
      const cert = await signCsr(ca, csrPem, { profile, days, commonName: opts.cn, sans }, csrFile);
      const pem = cert.toString('pem') + '\n';
      const info = describeCertificate(pem);
      if (opts.out) {
        writeFileAtomic(opts.out, pem, { overwrite: Boolean(opts.force) });
        console.error(`signed ${profile} certificate "${info.subject}" serial ${info.serial}, expires ${info.notAfter} -> ${opts.out}`);
      } else {
        process.stdout.write(pem);
      }
    });
  return withHelp(cmd, [
    'openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout app.key -subj "/CN=app" -out app.csr',
    'certrpc cert sign app.csr --client -o app.crt',
    'certrpc cert sign web.csr --server --san DNS:web.internal --days 90 -o web.crt',
  ]);
}
