// Every top-level command of certrpc, in the order --help lists them: a group's verbs are in its
// own table (cert/index.ts...), one line each. Code loads only for the command that runs
// (lazy-command.ts); a test checks each line against the command it loads.
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up */
import { bundleGroup } from './bundle';
import { caGroup } from './ca';
import { certGroup } from './cert';
import { CommandEntry, leaf } from './lazy-command';
import { pkiGroup } from './pki';
import { policyGroup } from './policy';
import { RPC_COMMANDS } from './rpc/verbs';

export const COMMANDS: readonly CommandEntry[] = [
  pkiGroup,
  certGroup,
  caGroup,
  leaf(
    'agent [options]',
    "keep this host's identity fresh from a CA (certrpc ca serve, or an existing step-ca): enroll with a one-time token (the key is made here, 0600), renew at 2/3 of each lifetime, keep DIR/ca.crt (and DIR/crl.pem, from certrpc's CA) current, run --exec after each change",
    () => require('./agent').agentCommand(),
  ),
  bundleGroup,
  leaf(
    'serve [options]',
    'serve over mutual TLS from a PKI directory: certrpc.v1.Identity (WhoAmI), health and reflection; with --demo also the demo services (demo.v1.KeyValue, demo.v1.Echo)',
    () => require('./serve').serveCommand(),
  ),
  leaf(
    'proxy [options]',
    'run an mTLS CONNECT proxy: clients with a trusted certificate open tunnels to HOST:PORT targets their roles allow (policy connect: rules)',
    () => require('./proxy').proxyCommand(),
  ),
  policyGroup,
  ...RPC_COMMANDS,
];
