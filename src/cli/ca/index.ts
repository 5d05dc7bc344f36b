// `certrpc ca ...`: one line per verb; a verb's code is loaded only when it runs (../lazy-command.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up */
import { GroupEntry, leaf } from '../lazy-command';

export const caGroup: GroupEntry = {
  name: 'ca',
  description: 'serve the certificate authority to agents (serve, token), rotate it while services keep running, and publish its CRLs',
  verbs: [
    leaf(
      'rotate [options]',
      'create a new CA that signs from now on; DIR/ca.crt becomes a bundle trusting old and new until `ca retire`',
      () => require('./rotate').caRotateCommand(),
    ),
    leaf(
      'retire [options]',
      'finish a rotation: remove the previous CA from DIR/ca.crt (refused while a certificate in `cert list` still depends on it); its files move to DIR/retired/',
      () => require('./retire').caRetireCommand(),
    ),
    leaf(
      'crl [options]',
      're-sign and publish DIR/crl.pem: one CRL per CA, listing every revocation recorded in DIR/revocations.json (run it before nextUpdate passes)',
      () => require('./crl').caCrlCommand(),
    ),
    leaf(
      'serve [options]',
      "serve this directory's CA over mutual TLS (certrpc.v1.CertificateAuthority) for `certrpc agent`: Enroll with a one-time token, Renew with the current certificate, TrustBundle/WatchTrustBundle for ca.crt and crl.pem, Issue for admins; every issuance recorded in DIR (cert list) and audited",
      () => require('./serve').caServeCommand(),
    ),
    leaf(
      'token [options] <name>',
      'print a one-time enrollment token for `certrpc agent --token` (alone on stdout): it binds NAME, the purpose, the SANs and the lifetime, works once and expires after --ttl; only its SHA-256 is stored (DIR/tokens/)',
      () => require('./token').caTokenCommand(),
    ),
  ],
};
