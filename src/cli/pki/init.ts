import { Command, Option } from 'commander';
import { existsSync } from 'node:fs';
import { publishCrls } from '../../lifecycle/publish-crl';
import { PkiError } from '../../pki/errors';
import { createCa, DEFAULT_CA_DAYS } from '../../pki/ca';
import { KEY_TYPES, parseKeyType } from '../../pki/crypto';
import { describeCertificate } from '../../pki/inspect';
import { parseDays } from '../../text/quantities';
import { DEFAULT_ROOT_CRL_DAYS, initIntermediate } from '../../lifecycle/init-intermediate';
import { PkiDir } from '../../store/pki-dir';
import { UsageError } from '../exit-codes';
import { defaultDir, DIR_HELP, withHelp } from '../help';

export function pkiInitCommand(): Command {
  const cmd = new Command('init')
    .description(
      'create a certificate authority: DIR/ca.crt and DIR/ca.key (0600), with --intermediate also an intermediate CA that issues (DIR/intermediate/), or with --name a further CA in DIR/cas/NAME/',
    )
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option(
      '--name <name>',
      'make a further CA beside the default one, in DIR/cas/NAME/ca.crt and ca.key (e.g. a separate root for client certificates; sign with: cert issue --ca NAME)',
    )
    .option('--cn <name>', 'common name of the CA', 'certrpc CA')
    .option('--days <n>', 'validity: days, or with a unit (52w)', String(DEFAULT_CA_DAYS))
    .addOption(new Option('--key-type <type>', 'key algorithm').choices(KEY_TYPES).default('ecdsa-p256'))
    .option('--force', 'replace an existing CA (every certificate it signed stops being trusted)')
    .option(
      '--intermediate',
      'also make an intermediate CA in DIR/intermediate/ that issues every certificate (the root in DIR/ca.crt stays the trust anchor; its key DIR/ca.key may then go offline). In a DIR that already holds a root: an intermediate under it',
    )
    .option(
      '--root <dir>',
      'with --intermediate: sign the intermediate with the root of another PKI directory (its ca.key never comes here; DIR/ca.crt gets its certificate)',
    )
    .option('--intermediate-cn <name>', 'common name of the intermediate CA', 'certrpc intermediate CA')
    .action(async (opts, command: Command) => {
      const pki = new PkiDir(opts.dir);
      if (opts.root && !opts.intermediate)
        throw new UsageError('--root goes with --intermediate', 'add --intermediate: the root of --root signs an intermediate in --dir');
      if (opts.intermediate) {
        if (opts.name || opts.force)
          throw new UsageError(
            '--intermediate cannot be combined with --name or --force',
            'make the intermediate in its own --dir, or replace it with certrpc ca rotate',
          );
        const rootCommonName = command.getOptionValueSource('cn') === 'default' ? 'certrpc root CA' : opts.cn;
        const r = await initIntermediate(pki, {
          rootDir: opts.root,
          rootCommonName,
          commonName: opts.intermediateCn,
          days: parseDays(opts.days, { option: 'days' }),
          keyType: parseKeyType(opts.keyType),
        });
        console.log(
          `${r.root.created ? 'created root' : 'root'} CA "${r.root.subject}" (serial ${r.root.serial}): the trust anchor, ${pki.caCertFile}${r.root.keyFile ? `; its key ${r.root.keyFile} (0600) may go offline now` : ''}`,
        );
        console.log(
          `created intermediate CA "${r.intermediate.subject}" (serial ${r.intermediate.serial}, expires ${r.intermediate.notAfter}): issues every certificate from now on`,
        );
        console.log(
          `  ${pki.intermediateCertFile}\n  ${pki.intermediateKeyFile} (0600)\n  ${pki.crlFile}: a CRL of each (the root's is valid ${DEFAULT_ROOT_CRL_DAYS} days: re-sign it with the root key, certrpc ca crl, before then)`,
        );
        return;
      }
      const name: string | undefined = opts.name;
      const certFile = name ? pki.namedCaCertFile(name) : pki.caCertFile;
      const keyFile = name ? pki.namedCaKeyFile(name) : pki.caKeyFile;
      if (!opts.force && (existsSync(certFile) || existsSync(keyFile))) {
        throw new PkiError('a CA already exists here; nothing was written', {
          file: certFile,
          fix: 'keep it (certificates it signed stay valid), or pass --force to replace it and re-issue every certificate',
        });
      }
      // A named CA without --cn gets a CN that says which one it is.
      const commonName = name && command.getOptionValueSource('cn') === 'default' ? `certrpc ${name} CA` : opts.cn;
      const ca = await createCa({ commonName, days: parseDays(opts.days, { option: 'days' }), keyType: parseKeyType(opts.keyType) });
      if (name) pki.writeNamedCa(name, ca, Boolean(opts.force));
      else pki.writeCa(ca, Boolean(opts.force));
      const info = describeCertificate(ca.certPem);
      console.log(`created CA "${info.subject}" (serial ${info.serial}, expires ${info.notAfter})`);
      console.log(`  ${certFile}\n  ${keyFile} (0600: keep it secret, keep it off machines that only need ca.crt)`);
      if (name)
        console.log(
          `  sign with it: certrpc cert issue NAME --client --ca ${name}; trust it on a server: certrpc serve --client-ca ${certFile}`,
        );
      // Once crl.pem exists, servers that trust this CA want its CRL in it too (publish-crl.ts): an empty one now.
      if (name && existsSync(pki.crlFile)) {
        const r = await publishCrls(pki);
        for (const warning of r.warnings) console.error(`warning: ${warning}`);
        console.log(`  ${pki.crlFile}: republished with a CRL for the new CA (CRL number ${r.crlNumber})`);
      }
    });
  return withHelp(cmd, [
    'certrpc pki init',
    'certrpc pki init --dir /etc/certrpc --cn "corp internal CA" --days 1825',
    'certrpc pki init --key-type rsa-4096 --force',
    'certrpc pki init --name clients   # a second root: DIR/cas/clients/ca.crt, for client certificates only',
    'certrpc pki init --intermediate   # a root (ca.crt, ca.key) and an intermediate (intermediate/) that issues',
    'certrpc pki init --intermediate --root /mnt/offline-root --dir /etc/certrpc   # the root key stays on its own medium',
  ]);
}
