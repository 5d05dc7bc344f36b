// `certrpc/pki`: certificates and keys (pure functions over PEM and WebCrypto keys, @peculiar/x509),
// the certs/ directory, identity bundles and trust bundles. Loading it installs the Reflect
// polyfill @peculiar/x509 needs; the client and server entry points do not load it.
export * from '../pki';
export { PkiDir, loadIdentityFiles } from '../store/pki-dir';
export type { IdentityFiles } from '../store/pki-dir';
export { formatBundle, parseBundle, readBundleFile } from '../store/identity-bundle';
export type { IdentityBundle } from '../store/identity-bundle';
export { loadTrustBundle } from '../store/trust-bundle';
export { loadTlsMaterial } from '../tls/tls-material-files';
export { FileReloader } from '../store/file-reloader';
export { CertrpcError } from '../errors/certrpc-error';
