import { Command, Option } from 'commander';
import { basename } from 'node:path';
import { createCertificateRequest } from '../../lifecycle/request';
import { KEY_TYPES, parseKeyType } from '../../pki/crypto';
import { cnText } from '../../pki/distinguished-name';
import { formatSanText, parseSanList } from '../../pki/subject-alt-names';
import { PkiDir } from '../../store/pki-dir';
import { collect, defaultDir, DIR_HELP, withHelp } from '../help';

export function certCsrCommand(): Command {
  const cmd = new Command('csr')
    .description(
      'make a key and a certificate signing request on the host that will keep the key: DIR/NAME.key (0600) and DIR/NAME.csr. ' +
        'Only NAME.csr goes to the CA host (certrpc cert sign); the certificate that comes back is DIR/NAME.crt',
    )
    .argument('<name>', 'file name of the identity (NAME.key, NAME.csr, later NAME.crt); also the CN unless --cn')
    .option('--cn <cn>', 'the common name to ask for (default: NAME)')
    .option(
      '--san <list>',
      'subject alternative names to ask for, TYPE:VALUE comma-separated or repeated: DNS:, IP:, URI:, email: (the signer copies them only with --accept-csr-names)',
      collect,
    )
    .addOption(new Option('--key-type <type>', 'key algorithm').choices(KEY_TYPES).default('ecdsa-p256'))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--force', 'replace an existing NAME.key/NAME.csr (the previous key, and NAME.crt, are kept in DIR/backup/)')
    .action(async (name: string, opts) => {
      const sans = parseSanList(opts.san);
      const keyType = parseKeyType(opts.keyType);
      const commonName: string = opts.cn ?? name;
      const pki = new PkiDir(opts.dir);
      const r = await createCertificateRequest(pki, name, { commonName, sans, keyType, force: Boolean(opts.force) });
      const csr = basename(r.csrFile);
      const crt = `${name}.crt`;
      console.log(
        [
          `made a new ${keyType} key and a request for ${cnText(commonName)}${sans.length ? `, asking for ${sans.map(formatSanText).join(', ')}` : ''}`,
          `  ${r.keyFile} (0600): stays on this host`,
          `  ${r.csrFile}: copy it to the CA host`,
          ...(r.backup ? [`  previous key kept: ${[r.backup.keyFile, r.backup.certFile].filter(Boolean).join(', ')}`] : []),
          ...(r.staleCertificate
            ? [`  warning: ${r.staleCertificate} belongs to the previous key: it cannot be used until the signed certificate replaces it`]
            : []),
          'next, on the CA host, sign it as a client certificate:',
          `  certrpc cert sign ${csr} --client -o ${crt}`,
          sans.length
            ? `or as a server certificate with the names it asks for:\n  certrpc cert sign ${csr} --server --accept-csr-names -o ${crt}`
            : `or as a server certificate, stating the names clients dial:\n  certrpc cert sign ${csr} --server --san DNS:host.example -o ${crt}`,
          `then bring ${crt} back to ${pki.certFile(name)}, with the CA's ca.crt as ${pki.caCertFile}: --identity ${name} uses them`,
        ].join('\n'),
      );
    });
  return withHelp(cmd, [
    'certrpc cert csr app --cn app                                          # certs/app.key (0600), certs/app.csr',
    'certrpc cert csr web --san DNS:web.internal,IP:10.0.0.7 --dir /etc/certrpc',
    'certrpc cert csr ci-bot --cn svc-ci.prod --key-type rsa-2048',
    'certrpc cert sign app.csr --client -o app.crt                          # then, on the CA host',
  ]);
}
