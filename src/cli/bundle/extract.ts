import { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PkiError } from '../../pki/errors';
import { writeFileAtomic } from '../../store/atomic-write';
import { checkName } from '../../store/pki-dir';
import { readBundleFile } from '../../store/identity-bundle';
import { withHelp } from '../help';

interface Target {
  file: string;
  pem: string;
  mode: number;
}

/** An existing ca.crt with the same certificates is fine: bundles from one CA share it. */
function sameContent(file: string, pem: string): boolean {
  return existsSync(file) && readFileSync(file, 'utf8').trim() === pem.trim();
}

export function bundleExtractCommand(): Command {
  const cmd = new Command('extract')
    .description(
      'write a bundle out as plain PEM files: DIR/ca.crt, DIR/NAME.crt and DIR/NAME.key (0600), as nginx, curl and openssl use them',
    )
    .argument('<file>', 'identity bundle (from certrpc bundle export)')
    .requiredOption(
      '-o, --output <dir>',
      'directory to write into (created 0700 if missing); it is then a PKI directory: --dir DIR --identity NAME',
    )
    .option('--name <name>', 'file-name stem (default: the name recorded in the bundle)')
    .option('--force', 'replace existing files')
    .action((file: string, opts) => {
      const bundle = readBundleFile(file);
      const name = opts.name ? checkName(opts.name, '--name') : bundle.name;
      const dir = resolve(opts.output);
      const targets: Target[] = [
        // Key first: a certificate on disk always has its key beside it.
        { file: join(dir, `${name}.key`), pem: bundle.keyPem, mode: 0o600 },
        { file: join(dir, `${name}.crt`), pem: bundle.certPem, mode: 0o644 },
        { file: join(dir, 'ca.crt'), pem: bundle.caPem, mode: 0o644 },
      ].filter((t) => !(t.file.endsWith('ca.crt') && sameContent(t.file, t.pem)));
      const existing = opts.force ? undefined : targets.find((t) => existsSync(t.file));
      if (existing)
        throw new PkiError('already exists; nothing was written', {
          file: existing.file,
          fix: 'pass --force to replace it, or extract into another directory (-o DIR)',
        });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const written: string[] = [];
      try {
        for (const t of targets) {
          writeFileAtomic(t.file, t.pem, { mode: t.mode, overwrite: Boolean(opts.force) });
          written.push(t.file);
        }
      } catch (err) {
        if (!opts.force) for (const f of written) unlinkSync(f);
        throw err;
      }
      console.log(
        `extracted "${name}" from ${file}:\n  ${join(dir, 'ca.crt')}\n  ${join(dir, `${name}.crt`)}\n  ${join(dir, `${name}.key`)} (0600)`,
      );
      console.log(
        `  curl:  curl --cacert ${join(dir, 'ca.crt')} --cert ${join(dir, `${name}.crt`)} --key ${join(dir, `${name}.key`)} https://HOST:PORT/`,
      );
      console.log(
        `  nginx: ssl_certificate ${join(dir, `${name}.crt`)}; ssl_certificate_key ${join(dir, `${name}.key`)}; ssl_client_certificate ${join(dir, 'ca.crt')};`,
      );
    });
  return withHelp(cmd, [
    'certrpc bundle extract alice.bundle -o /etc/certrpc',
    'certrpc bundle extract edge.bundle -o nginx-certs --name edge',
  ]);
}
