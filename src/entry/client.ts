// `certrpc/client`: typed ts-proto clients over mutual TLS, awaitable unary calls, clients that
// follow their certificate files, and the reasons a connection failed. Kept light: requiring it
// loads grpc-js and a few small files, not the PKI library (@peculiar/x509, the Reflect polyfill),
// YAML, zod, prom-client or commander (the import-cost row of `npm run bench`).
export { createClient } from '../client/create-client';
export type { CreateClientOptions } from '../client/create-client';
export { unary } from '../client/unary';
export { createReloadingClient } from '../client/reloading-client';
export type { ReloadingClientOptions, ReloadingClient } from '../client/reloading-client';
export { createClientCredentials } from '../tls/client-credentials';
export type { ClientTlsMaterial } from '../tls/client-credentials';
export { probeTls } from '../tls/probe';
export { ConnectionError } from '../tls/connection-error';
export type { TlsFailure } from '../tls/failure-reasons';
export { CertrpcError } from '../errors/certrpc-error';
