// certrpc's library API. Serve your own ts-proto service over mutual TLS in a few lines:
//
//   const id = new PkiDir('certs').loadIdentity('server');
//   const server = createServer({ tls: { certPem: id.certPem, keyPem: id.keyPem, clientCaPem: id.caPem },
//                                 services: [{ definition: MyService, implementation: impl }] });
//   await server.listen('0.0.0.0', 8443);
//
// Handlers learn who called with callerOf(call). Authorization: authorization({ policyFile, logger })
// gives { stages, observers, close } for createServer (see docs/ARCHITECTURE.md).
export { createServer, CertrpcServer } from './server/create-server';
export type { CreateServerOptions, ServiceRegistration, ListeningAddress } from './server/create-server';
export { callerOf } from './server/caller';
export type { Caller } from './server/caller';
export type { CallStage, CallObserver, CallContext, Rejection, CallEnd, CallEndObserver } from './server/call-gate';
// Operations: limits (docs/LIMITS.md), metrics, graceful stop.
export { DEFAULT_SERVER_LIMITS, LIMITS, resolveLimits } from './server/limits';
export type { ServerLimits, LimitName } from './server/limits';
export { ServerMetrics } from './metrics/server-metrics';
export type { ServerMetricsOptions } from './metrics/server-metrics';
export { startMetricsEndpoint } from './metrics/metrics-endpoint';
export type { MetricsEndpoint } from './metrics/metrics-endpoint';
export { stopOnSignal } from './server/stop-on-signal';
export type { StopReport } from './server/graceful-stop';
export { loadServeConfig, ConfigError } from './config/serve-config';
export type { PeerIdentity } from './authz/identity';
export { authorization, NO_POLICY_WARNING } from './authz/authorization';
export type { Authorization, AuthorizationOptions } from './authz/authorization';
export { CompiledPolicy, defaultPolicy } from './authz/compiled-policy';
export { loadPolicyFile, parsePolicy } from './authz/policy-file';
export { PolicyError } from './authz/policy-error';
export { describeDecision } from './authz/decision';
export type { Decision } from './authz/decision';
export type { PolicyModel, AuditMode } from './authz/policy-model';
export { createClient } from './client/create-client';
export type { CreateClientOptions } from './client/create-client';
export { unary } from './client/unary';
export type { ClientTlsMaterial } from './tls/client-credentials';
export type { TlsMaterial, ListenerLimits } from './tls/mtls-listener';
export { probeTls } from './tls/probe';
// Rotation and revocation: servers and long-lived clients that follow their files, and the operations.
export { createServerFromFiles } from './server/server-from-files';
export type { ServerFromFilesOptions } from './server/server-from-files';
export { createReloadingClient } from './client/reloading-client';
export type { ReloadingClientOptions, ReloadingClient } from './client/reloading-client';
export { loadTlsMaterial } from './tls/tls-material-files';
export type { TlsFiles, LoadedTls } from './tls/tls-material-files';
export { FileReloader } from './store/file-reloader';
export { renewIdentity } from './lifecycle/renew';
export { rotateCa } from './lifecycle/rotate-ca';
export { retireCa } from './lifecycle/retire-ca';
export { revokeCertificate } from './lifecycle/revoke';
export { publishCrls } from './lifecycle/publish-crl';
export { listCertificates } from './lifecycle/cert-status';
// Trust roots, identity bundles and the mTLS CONNECT proxy (createClient's `proxy` option is the client side).
export { ConnectProxy } from './proxy/connect-proxy';
export type { ConnectProxyOptions, ConnectAuthorizer } from './proxy/connect-proxy';
export type { AddressLookup } from './proxy/target-lookup';
export { decideConnect, parseConnectTarget } from './authz/connect-rules';
export type { ConnectDecision, ConnectTarget } from './authz/connect-rules';
export { formatBundle, parseBundle, readBundleFile } from './store/identity-bundle';
export type { IdentityBundle } from './store/identity-bundle';
export { loadTrustBundle } from './store/trust-bundle';
export { RefusalLog } from './tls/refusal-log';
export type { RefusalLogLimits } from './tls/refusal-log';
export type { RefusedHandshake } from './tls/refusal-reasons';
export { PkiDir, loadIdentityFiles } from './store/pki-dir';
export type { IdentityFiles } from './store/pki-dir';
export * as pki from './pki';
export { createLogger } from './log/logger';
// An existing smallstep step-ca: pin its root, enroll with a one-time token, renew over mutual TLS.
export * as stepca from './stepca';
