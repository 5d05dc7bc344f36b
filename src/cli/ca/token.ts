import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { DEFAULT_LIFETIME_MS, MIN_LIFETIME_MS } from '../../ca/issuance';
import { TokenStore } from '../../ca/token-store';
import { CA_SERVER_NAME } from '../../ca/upkeep';
import { PkiError } from '../../pki/errors';
import { displaySans } from '../../pki/name-text';
import { formatSan, parseSanList } from '../../pki/subject-alt-names';
import { checkName, PkiDir } from '../../store/pki-dir';
import { formatDuration, parseDuration } from '../../text/quantities';
import { UsageError } from '../exit-codes';
import { collect, defaultDir, DIR_HELP, withHelp } from '../help';
import { profileOf } from '../cert/profile-flags';

const DEFAULT_TTL_MS = 3_600_000;
const MAX_MS = 3650 * 86_400_000;

export function caTokenCommand(): Command {
  const cmd = new Command('token')
    .description(
      'print a one-time enrollment token for `certrpc agent --token` (alone on stdout): it binds NAME, the purpose, the SANs and the lifetime, works once and expires after --ttl; only its SHA-256 is stored (DIR/tokens/)',
    )
    .argument('<name>', 'the identity: its CN, and NAME.crt on the agent host and here')
    .option('--client', 'a client certificate (clientAuth)')
    .option('--server', 'a server certificate (serverAuth); needs at least one --san')
    .option(
      '--san <list>',
      'subject alternative names bound to the token, TYPE:VALUE comma-separated or repeated: DNS:, IP:, URI:, email:',
      collect,
    )
    .option(
      '--lifetime <duration>',
      'lifetime of each certificate (enrollment and every renewal); at least 10s; capped by ca serve --max-lifetime',
      formatDuration(DEFAULT_LIFETIME_MS),
    )
    .option('--ttl <duration>', 'how long the token stays usable', formatDuration(DEFAULT_TTL_MS))
    .option('--dir <dir>', DIR_HELP, defaultDir())
    .option('--force', 'NAME is enrolled already (DIR/NAME.crt): let the token replace it')
    .action((name: string, opts) => {
      checkName(name);
      if (name === CA_SERVER_NAME) throw new UsageError(`"${CA_SERVER_NAME}" is the CA service's own identity`, 'choose another NAME');
      const profile = profileOf(opts);
      const sans = parseSanList(opts.san);
      if (profile === 'server' && sans.length === 0)
        throw new UsageError(
          'a server certificate needs at least one --san: clients check the name they dial against the SANs',
          'e.g. --san DNS:web1.internal,IP:10.0.0.7',
        );
      const lifetimeMs = parseDuration(opts.lifetime, { min: MIN_LIFETIME_MS, max: MAX_MS, option: '--lifetime' });
      const ttlMs = parseDuration(opts.ttl, { min: 1000, max: 30 * 86_400_000, option: '--ttl' });
      const pki = new PkiDir(opts.dir);
      if (!existsSync(pki.caCertFile))
        throw new PkiError('no CA in this directory', {
          file: pki.caCertFile,
          fix: `create one with: certrpc pki init --dir ${pki.dir} (or point --dir at the CA's directory)`,
        });
      if (existsSync(pki.keyFile(name))) {
        throw new PkiError(`"${name}" is an identity whose key lives here (issued with cert issue), not an agent's`, {
          file: pki.keyFile(name),
          fix: 'choose another NAME for the agent-managed identity',
        });
      }
      if (existsSync(pki.certFile(name)) && !opts.force) {
        throw new PkiError(`"${name}" is enrolled already; nothing was written`, {
          file: pki.certFile(name),
          fix: `pass --force to issue a token that replaces it at enrollment (revoke the old one with certrpc cert revoke ${name} if its host is lost)`,
        });
      }
      const { token, record } = new TokenStore(pki).create({ name, profile, sans: sans.map(formatSan), lifetimeMs, ttlMs });
      process.stdout.write(`${token}\n`);
      console.error(
        `token for "${name}" (${profile}${sans.length ? `, ${displaySans(sans.map(formatSan))}` : ''}, certificates of ${formatDuration(lifetimeMs)}): single use, expires ${record.expiresAt}\n` +
          `  on the host: CERTRPC_TOKEN=TOKEN certrpc agent --ca HOST:PORT --ca-fingerprint SHA256 --dir DIR --name ${name} (in the environment, not --token: other users can read a process's arguments)`,
      );
    });
  return withHelp(cmd, [
    'certrpc ca token web1 --server --san DNS:web1.internal,IP:10.0.0.7',
    'certrpc ca token billing-worker --client --san URI:spiffe://corp/svc/billing --lifetime 12h --ttl 10m',
    'TOKEN=$(certrpc ca token ci --client --lifetime 30s)   # stdout is the token alone',
  ]);
}
