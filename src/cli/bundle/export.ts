import { Command } from 'commander';
import { X509Certificate } from 'node:crypto';
import { PkiDir } from '../../store/pki-dir';
import { formatBundle, writeBundleFile } from '../../store/identity-bundle';
import { exportPkcs12 } from '../../store/pkcs12';
import { readUserFile } from '../../store/read-file';
import { loadTrustBundle } from '../../store/trust-bundle';
import { defaultDir, DIR_HELP, withHelp } from '../help';
import { dnLine } from '../../pki/distinguished-name';

/** The PKCS#12 password: a file's first line, or $CERTRPC_P12_PASSWORD, or none. Never a flag value (shell history, ps). */
function p12Password(file?: string): string {
  if (file) return readUserFile(file, 'password file', '--password-file').split(/\r?\n/)[0];
  return process.env.CERTRPC_P12_PASSWORD ?? '';
}

export function bundleExportCommand(): Command {
  const cmd = new Command('export')
    .description("write NAME's certificate, private key and trusted CA certificate(s) into one file (0600); never a CA private key")
    .argument('<name>', 'identity in DIR: NAME.crt and NAME.key')
    .option('-o, --output <file>', 'where to write it (default: NAME.bundle, or NAME.p12 with --p12)')
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--cacert <file>', 'CA certificate(s) the identity trusts for its peers (default: DIR/ca.crt)')
    .option('--p12', 'write PKCS#12 instead of the PEM bundle (for Java, browsers, Windows; made with the openssl command)')
    .option('--password-file <file>', 'PKCS#12 password: the first line of this file (default: $CERTRPC_P12_PASSWORD, else no password)')
    .option('--force', 'replace an existing output file')
    .action((name: string, opts) => {
      const pki = new PkiDir(opts.dir);
      const identity = pki.loadIdentity(name);
      const trust = opts.cacert ? loadTrustBundle([opts.cacert], '--cacert') : loadTrustBundle([pki.caCertFile], '--dir');
      const text = formatBundle({ name, certPem: identity.certPem, keyPem: identity.keyPem, caPem: trust.pem });
      const output: string = opts.output ?? `${name}${opts.p12 ? '.p12' : '.bundle'}`;
      const password = opts.p12 ? p12Password(opts.passwordFile) : '';
      writeBundleFile(
        output,
        opts.p12
          ? exportPkcs12({ certFile: identity.certFile, keyFile: identity.keyFile, caFile: opts.cacert ?? pki.caCertFile, name, password })
          : text,
        Boolean(opts.force),
      );
      const subject = dnLine(new X509Certificate(identity.certPem).subject);
      console.log(
        `wrote ${output} (0600): certificate "${subject}", its private key, and ${trust.subjects.length} trusted CA certificate(s): ${trust.subjects.join('; ')}`,
      );
      console.log('  no CA private key is in it');
      if (opts.p12)
        console.log(
          `  PKCS#12${password ? ', password protected' : ' without a password (set one with --password-file or $CERTRPC_P12_PASSWORD)'}; inspect: openssl pkcs12 -in ${output} -info -nokeys`,
        );
      else
        console.log(
          `  use it: certrpc call ADDR METHOD --identity ${output}; plain files for nginx/curl: certrpc bundle extract ${output} -o DIR`,
        );
    });
  return withHelp(cmd, [
    'certrpc bundle export alice -o alice.bundle',
    'certrpc bundle export alice --p12 --password-file pw.txt -o alice.p12',
    'certrpc bundle export edge --cacert certs/cas/clients/ca.crt   # trusts the client CA, not DIR/ca.crt',
  ]);
}
