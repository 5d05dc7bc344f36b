// `certrpc cert ...`: one line per verb; a verb's code is loaded only when it runs (../lazy-command.ts).
/* eslint-disable @typescript-eslint/no-require-imports -- required when run, not at start-up */
import { GroupEntry, leaf } from '../lazy-command';

export const certGroup: GroupEntry = {
  name: 'cert',
  description: 'issue, sign, inspect, verify, list, renew and revoke certificates',
  verbs: [
    leaf('issue [options] <name>', 'issue a key and a certificate signed by the CA: DIR/NAME.crt and DIR/NAME.key (0600)', () => require('./issue').certIssueCommand()),
    leaf('sign [options] <csr-file>', 'sign a certificate signing request made elsewhere; the requester\'s private key never leaves its host. The certificate says what the signer states (--cn, --san), not what the CSR asks for; every name it holds is printed (stderr)', () => require('./sign').certSignCommand()),
    leaf('inspect [options] <file>', 'show a certificate (or every certificate of a bundle) as readable text, or JSON for scripts; says whether DIR/crl.pem or DIR/revocations.json lists it as revoked', () => require('./inspect').certInspectCommand()),
    leaf('verify [options] <file>', 'check that a certificate chains to the CA, is within its validity, is not revoked (DIR/crl.pem, DIR/revocations.json) and (optionally) fits a purpose', () => require('./verify').certVerifyCommand()),
    leaf('list [options]', 'list the certificates in the PKI directory: purpose, CN, serial, expiry, issuing CA and status (valid, expiring, expired, revoked, not-yet-valid, untrusted)', () => require('./list').certListCommand()),
    leaf('renew [options] <name>', 'new key and certificate for an existing identity (same CN, SANs, purpose and key type, new serial), signed by the current CA; the old pair is kept in DIR/backup/', () => require('./renew').certRenewCommand()),
    leaf('revoke [options] [name]', 'revoke a certificate and publish DIR/crl.pem (one CRL per CA); servers watching it refuse the certificate at once, on new and open connections', () => require('./revoke').certRevokeCommand()),
  ],
};
