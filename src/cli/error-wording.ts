// The CLI's words for library errors. The library names options and fixes problems in terms of its
// own API (errors/certrpc-error.ts); a CLI user needs the flag that carries the option and a fix that
// says which flag to pass. One table of flags, one table of fixes by error code.
import { CertrpcError } from '../errors/certrpc-error';

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

/** Fixes worded with flags, by error code; the other errors keep the library's fix. */
const CLI_FIXES: Readonly<Record<string, (err: CertrpcError) => string>> = {
  FILE_NOT_FOUND: (err) => (err.option ? `check ${flagOf(err.option)}, or create it first` : 'check the path, or create it first'),
  EXISTS: () => 'pass --force to replace it, or choose another name',
  CA_EXISTS: () => 'keep it (certificates it signed stay valid), or pass --force to replace it and re-issue every certificate',
  NOT_A_CA: (err) => `point ${flagOf(err.option)} at the CA certificate that signed the certificates to trust (e.g. DIR/ca.crt or DIR/cas/NAME/ca.crt)`,
  BUNDLE_NO_CA: () => 'point --cacert at the CA certificate peers are verified against',
  BUNDLE_NOT_A_CA: () => 'point --cacert at a CA certificate (DIR/ca.crt)',
  DAYS: () => 'give a whole number of days between 1 and 36500, e.g. --days 90',
  SERIAL: () => 'give the serial in hex as cert list or cert inspect print it, e.g. --serial 5f3a...',
  SERVER_NEEDS_SAN: () => 'state the names clients dial: --san DNS:host.example,IP:10.0.0.5 (a server certificate without SANs is replaced with certrpc cert issue NAME --server --san ... --force)',
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
  PROTOSET_INVALID: () => 'write one with protoc --include_imports --descriptor_set_out=FILE x.proto, or with certrpc list ADDR --protoset-out FILE against a server with reflection',
  SCHEMA_INCOMPLETE: () => 'give every file it imports too: protoc --include_imports --descriptor_set_out=FILE, or certrpc list ADDR --protoset-out FILE against a server with reflection',
};

/** "WHERE: message\n  fix: ..." as a CLI user reads it: flags instead of options. */
export function describeForCli(err: CertrpcError): string {
  return err.describe({ where: flagOf(err.option), fix: CLI_FIXES[err.code]?.(err) });
}
