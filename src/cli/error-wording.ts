// The CLI's words for library errors. The library names options and fixes problems in terms of its
// own API (errors/certrpc-error.ts); a CLI user needs the flag that carries the option and a fix that
// says which flag to pass. One table of flags, one table of fixes by error code.
import { dirname } from 'node:path';
import { CertrpcError } from '../errors/certrpc-error';
import type { CertRow } from '../lifecycle/cert-status';
import { cnText } from '../pki/distinguished-name';
import { ConnectionError } from '../tls/connection-error';
import { formatFailure, TlsFailure } from '../tls/failure-reasons';

/** Library option -> the flag that gives it. An option not listed is printed as it is (CLI code passes flags). */
export const OPTION_FLAGS: Readonly<Record<string, string>> = {
  days: '--days',
  crlDays: '--crl-days',
  commonName: '--cn',
  sans: '--san',
  keyType: '--key-type',
  reason: '--reason',
  serial: '--serial',
  name: '--name',
  dir: '--dir',
  identity: '--identity',
  certFile: '--cert',
  keyFile: '--key',
  caFile: '--cacert',
  caPem: '--cacert',
  clientCaFiles: '--client-ca',
  policyFile: '--policy',
  configFile: '--config',
  data: '-d',
  importPaths: '--import-path',
  protosets: '--protoset',
  p12: '--p12',
  stepCaUrl: '--step-ca',
  caFingerprint: '--ca-fingerprint',
  token: '--token',
  lifetime: '--lifetime',
  expiresIn: '--expires-in',
};

export function flagOf(option: string | undefined): string | undefined {
  return option === undefined ? undefined : (OPTION_FLAGS[option] ?? option);
}

/** How a certificate moves to the CA that signs now, as commands: renew an identity; sign a CSR's certificate again, then revoke the old one. */
export function moveToNewCaCommand(row: Pick<CertRow, 'source' | 'name' | 'commonName' | 'serial'>): string {
  if (row.source === 'issued') return `certrpc cert renew ${row.name}`;
  return `sign the CSR of ${cnText(row.commonName)} again (certrpc cert sign ...) and deliver it, then certrpc cert revoke --serial ${row.serial} --reason superseded`;
}

/** Fixes worded with flags, by error code; the other errors keep the library's fix. */
const CLI_FIXES: Readonly<Record<string, (err: CertrpcError) => string>> = {
  FILE_NOT_FOUND: (err) => (err.option ? `check ${flagOf(err.option)}, or create it first` : 'check the path, or create it first'),
  EXISTS: () => 'pass --force to replace it, or choose another name',
  CA_EXISTS: () => 'keep it (certificates it signed stay valid), or pass --force to replace it and re-issue every certificate',
  NOT_A_CA: (err) =>
    `point ${flagOf(err.option)} at the CA certificate that signed the certificates to trust (e.g. DIR/ca.crt or DIR/cas/NAME/ca.crt)`,
  BUNDLE_NO_CA: () => 'point --cacert at the CA certificate peers are verified against',
  BUNDLE_NOT_A_CA: () => 'point --cacert at a CA certificate (DIR/ca.crt)',
  DAYS: () => 'give a whole number of days between 1 and 36500, e.g. --days 90',
  SERIAL: () => 'give the serial in hex as cert list or cert inspect print it, e.g. --serial 5f3a...',
  SERVER_NEEDS_SAN: () =>
    'state the names clients dial: --san DNS:host.example,IP:10.0.0.5 (a server certificate without SANs is replaced with certrpc cert issue NAME --server --san ... --force)',
  CSR_NO_CN: () => 'state it: --cn NAME',
  CSR_BAD_CN: () => 'state another: --cn NAME',
  CSR_SAN_EXTENSIONS: () => 'make the CSR again with one, or sign without --accept-csr-names and state the names with --san',
  CSR_UNSUPPORTED_SANS: () => 'sign without --accept-csr-names and state the names with --san TYPE:VALUE,...',
  CSR_BAD_SAN: () => 'sign without --accept-csr-names and state the names with --san TYPE:VALUE,...',
  CSR_NO_SANS: () => 'state them: --san DNS:host.example,IP:10.0.0.5',
  CSR_NO_SANS_STATED: () => 'state them: --san DNS:host.example,IP:10.0.0.5, or copy the ones the CSR asks for with --accept-csr-names',
  IMPORT_PATH_NOT_FOUND: () => 'point --import-path at the directory your .proto imports are relative to',
  PROTO_NOT_FOUND: () => 'check the path, or add the directory it is relative to with --import-path DIR',
  PROTO_SYNTAX: () => 'fix the syntax error, or add the directory its imports are relative to with --import-path DIR',
  NO_CA: (err) => `create one with: certrpc pki init --dir ${err.params?.dir ?? dirname(err.file ?? '.')}`,
  NO_NAMED_CA: (err) => `create it with: certrpc pki init --name ${err.params?.name} --dir ${err.params?.dir}${err.params?.here ?? ''}`,
  NO_IDENTITY: (err) =>
    `issue it with: certrpc cert issue ${err.params?.name} --client --dir ${err.params?.dir} (a server certificate: --server --san DNS:HOST instead of --client)`,
  RENEW_UNKNOWN: (err) =>
    `see the names with: certrpc cert list --dir ${err.params?.dir}; a new identity is made with: certrpc cert issue ${err.params?.name} --client (a server: --server --san DNS:HOST)`,
  RENEW_NOT_HERE: (err) =>
    `issue a new certificate instead: certrpc cert issue ${err.params?.name} --client --force (a server: --server --san DNS:HOST --force)`,
  RENEW_PROFILE: () =>
    'issue a new one with certrpc cert issue NAME --client --force, or certrpc cert issue NAME --server --san DNS:HOST --force',
  REVOKE_UNKNOWN: (err) =>
    `check the name with: certrpc cert list --dir ${err.params?.dir}; or revoke by serial: certrpc cert revoke --serial HEX`,
  // A backend with tokens of its own (step-ca) says where they come from (params.tokenHint).
  AGENT_REENROLL: (err) =>
    `${err.params?.tokenHint ?? `on the CA host: certrpc ca token ${err.params?.name} --force ...`}; then run the agent again with it in CERTRPC_TOKEN (--token shows it to every user of this host)`,
  AGENT_NO_TOKEN: (err) =>
    `${err.params?.tokenHint ?? `on the CA host: certrpc ca token ${err.params?.name} --client (a server: --server --san DNS:HOST)`}; then pass it in CERTRPC_TOKEN (--token shows it to every user of this host)`,
  STEPCA_NO_SUCH_ROOT: () =>
    'check --ca-fingerprint against the "X.509 Root Fingerprint" step-ca prints at start (or `step certificate fingerprint root_ca.crt` on the CA host), and --step-ca',
  AGENT_KEY_MISMATCH: (err) => `restore the pair, or enroll again with a new token (certrpc ca token ${err.params?.name} --force)`,
  INTERMEDIATE_HERE: () =>
    "choose an empty --dir for the intermediate, or make the intermediate under this directory's own root (without --root)",
  CA_IN_USE: (err) =>
    `move them to the new CA first: ${((err as { dependents?: CertRow[] }).dependents ?? []).map(moveToNewCaCommand).join('; ')}; then run certrpc ca retire again`,
  CA_AS_IDENTITY: () =>
    'issue an identity and use that: certrpc cert issue NAME --client (or --server); keep the CA key on the CA host only',
  PROTOSET_INVALID: () =>
    'write one with protoc --include_imports --descriptor_set_out=FILE x.proto, or with certrpc list ADDR --protoset-out FILE against a server with reflection',
  SCHEMA_INCOMPLETE: () =>
    'give every file it imports too: protoc --include_imports --descriptor_set_out=FILE, or certrpc list ADDR --protoset-out FILE against a server with reflection',
};

const UNTRUSTED_SERVER = () =>
  'use the CA bundle that signed the server (--cacert / DIR/ca.crt), or have the server use a certificate from your CA';
const CLIENT_CA_FIX = () =>
  "get a certificate from the server's client CA: certrpc cert issue NAME --client on the CA host, or certrpc cert sign your.csr";

/** Fixes of failed connections (tls/failure-reasons.ts) worded with flags, by the failure's code; the others keep the library's. */
const CONNECTION_FIXES: Readonly<Record<string, (f: TlsFailure) => string | undefined>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED_SERVER,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED_SERVER,
  UNABLE_TO_GET_ISSUER_CERT: UNTRUSTED_SERVER,
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED_SERVER,
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED_SERVER,
  CERT_SIGNATURE_FAILURE: UNTRUSTED_SERVER,
  ERR_TLS_CERT_ALTNAME_INVALID: () =>
    'dial one of the names the certificate has, pass --authority NAME / --server-id ID, or re-issue the server certificate with the name (--san)',
  SERVER_ID_MISMATCH: () => 'check --server-id, or re-issue the server certificate with that URI SAN (--san URI:ID)',
  'certificate required': () => 'pass --identity NAME, or --cert and --key',
  'handshake failure': () => 'pass --identity NAME, or --cert and --key',
  'unknown ca': CLIENT_CA_FIX,
  'unsupported certificate': () => 'use a certificate issued with --client',
  'bad certificate': () => 'check it with certrpc cert verify FILE, and re-issue with --client if needed',
  'decrypt error': () => 'check it with certrpc cert verify FILE, and re-issue with --client if needed',
  'certificate revoked': () =>
    'ask for a new certificate (on the CA host: certrpc cert issue NAME --client, or certrpc cert renew NAME); a revoked certificate never works again',
  ETIMEDOUT: (f) => `${f.fix.replace(/, or allow more time \(connectTimeoutMs\)$/, '')}, or allow more time with --connect-timeout`,
  // The proxy's answers (proxy/connect-client.ts), by HTTP status.
  407: () => 'call with a client certificate (--identity NAME or --cert/--key); the proxy checks it like a server does',
  403: (f) =>
    /client certificate/.test(f.reason)
      ? "use a certificate from a CA the proxy trusts, valid now, issued with --client and not revoked (the proxy's log has the details)"
      : undefined,
};

/** A failed connection's fix as the CLI says it: with flags, and the library's note. */
export function failureFixForCli(f: TlsFailure): string {
  const fix = CONNECTION_FIXES[f.code]?.(f) ?? f.fix;
  return f.note ? `${fix}; ${f.note}` : fix;
}

/** "WHERE: message\n  fix: ..." as a CLI user reads it: flags instead of options. */
export function describeForCli(err: CertrpcError): string {
  if (err instanceof ConnectionError)
    return formatFailure({ ...err.failure, fix: failureFixForCli({ ...err.failure, note: undefined }), note: err.failure.note });
  return err.describe({ where: flagOf(err.option), fix: CLI_FIXES[err.code]?.(err) });
}
