// `certrpc cert ...`: one line per verb; a verb's code is loaded only when it runs (../lazy-command.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up */
import { GroupEntry, leaf } from '../lazy-command';

export const certGroup: GroupEntry = {
  name: 'cert',
  description: 'issue, request (csr), sign, inspect, verify, list, renew and revoke certificates, and check whether one needs renewal',
  verbs: [
    leaf('issue [options] <name>', 'issue a key and a certificate signed by the CA: DIR/NAME.crt and DIR/NAME.key (0600)', () =>
      require('./issue').certIssueCommand(),
    ),
    leaf(
      'csr [options] <name>',
      'make a key and a certificate signing request on the host that will keep the key: DIR/NAME.key (0600) and DIR/NAME.csr. ' +
        'Only NAME.csr goes to the CA host (certrpc cert sign); the certificate that comes back is DIR/NAME.crt',
      () => require('./csr').certCsrCommand(),
    ),
    leaf(
      'sign [options] <csr-file>',
      "sign a certificate signing request made elsewhere; the requester's private key never leaves its host. The certificate says what the signer states " +
        '(--cn, --san), not what the CSR asks for; every name it holds is printed (stderr). A copy is recorded as DIR/signed/SERIAL.crt: ' +
        'cert list shows it, cert revoke --serial revokes it, and ca retire waits for it',
      () => require('./sign').certSignCommand(),
    ),
    leaf(
      'inspect [options] [file]',
      'show a certificate (or every certificate of a bundle, PEM or DER), a certificate signing request, or the chain a server presents (--server), ' +
        'as readable text or JSON; says whether the chain verifies against DIR/ca.crt (or --cacert) and whether DIR/crl.pem or DIR/revocations.json lists it as revoked',
      () => require('./inspect').certInspectCommand(),
    ),
    leaf(
      'verify [options] <file>',
      'check that a certificate chains to the CA, is within its validity, is not revoked (DIR/crl.pem, DIR/revocations.json) and (optionally) fits a purpose',
      () => require('./verify').certVerifyCommand(),
    ),
    leaf(
      'list [options]',
      'list the certificates in the PKI directory, DIR/NAME.crt and those cert sign made from CSRs (DIR/signed/, NAME "(signed)"): ' +
        'purpose, CN, serial, expiry, issuing CA and status (valid, expiring, expired, revoked, not-yet-valid, untrusted)',
      () => require('./list').certListCommand(),
    ),
    leaf(
      'needs-renewal [options] <file>',
      'exit 0 when a certificate needs renewal, 1 when not (for cron: certrpc cert needs-renewal F && certrpc cert renew NAME). ' +
        'It needs renewal once 66% of its lifetime has passed, or --expires-in PERCENT% of it, or when it expires within --expires-in DURATION',
      () => require('./needs-renewal').certNeedsRenewalCommand(),
    ),
    leaf(
      'renew [options] <name>',
      'new key and certificate for an existing identity (same CN, SANs, purpose and key type, new serial), signed by the current CA; the old pair is kept in DIR/backup/',
      () => require('./renew').certRenewCommand(),
    ),
    leaf(
      'revoke [options] [name]',
      'revoke a certificate and publish DIR/crl.pem (one CRL per CA); servers watching it refuse the certificate at once, on new and open connections',
      () => require('./revoke').certRevokeCommand(),
    ),
  ],
};
