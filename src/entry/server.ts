// `certrpc/server`: certrpc's call gate for any grpc-js Server (createInterceptor), certrpc's own
// server (createServer: its TLS listener, standard services and limits, built on the interceptor),
// what handlers read (callerOf, contextOf), policies, and the operations around a server.
export { createInterceptor } from '../server/create-interceptor';
export type { InterceptorOptions, CertrpcInterceptor } from '../server/create-interceptor';
export { createServer, CertrpcServer } from '../server/create-server';
export type { CreateServerOptions, ServiceRegistration, ListeningAddress } from '../server/create-server';
export { addReflection } from '../server/reflection';
export type { ReflectionOptions } from '../server/reflection';
export type { ProtoMetadataLike } from '../server/service-descriptors';
export { createServerFromFiles } from '../server/server-from-files';
export type { ServerFromFilesOptions } from '../server/server-from-files';
export { callerOf, contextOf } from '../gate/caller';
export type { Caller } from '../gate/caller';
export type {
  CallStage,
  CallObserver,
  CallContext,
  AuthenticatedContext,
  Rejection,
  StageResult,
  CallEnd,
  CallEndObserver,
} from '../gate/call-context';
export { createContextKey, ContextValues } from '../gate/context-key';
export type { ContextKey } from '../gate/context-key';
export type { PeerIdentity } from '../gate/peer-identity';
export type { IssuingCa } from '../gate/issuing-ca';
export { DECISION } from '../authz/authorization-stage';
export { authorization, NO_POLICY_WARNING, NO_POLICY_FIX } from '../authz/authorization';
export type { Authorization, AuthorizationOptions } from '../authz/authorization';
export { CompiledPolicy, defaultPolicy, allowAllAuthenticated } from '../authz/compiled-policy';
// The worker-thread versions (authz/policy-parser.ts): same signatures and results, but the YAML
// parser and zod never enter the process that imports `certrpc/server`.
export { loadPolicyFileInWorker as loadPolicyFile, parsePolicyText as parsePolicy } from '../authz/policy-parser';
export { describeDecision } from '../authz/decision';
export type { Decision } from '../authz/decision';
export type { PolicyModel, AuditMode } from '../authz/policy-model';
// Operations: limits (docs/LIMITS.md), metrics, graceful stop.
export { DEFAULT_SERVER_LIMITS, LIMITS, resolveLimits } from '../server/limits';
export type { ServerLimits, LimitName } from '../server/limits';
export { ServerMetrics } from '../metrics/server-metrics';
export type { ServerMetricsOptions } from '../metrics/server-metrics';
export { startMetricsEndpoint } from '../metrics/metrics-endpoint';
export type { MetricsEndpoint } from '../metrics/metrics-endpoint';
export { stopOnSignal } from '../server/stop-on-signal';
export type { StopReport } from '../server/graceful-stop';
export type { TlsMaterial, ListenerLimits } from '../tls/mtls-listener';
export type { TlsFiles, LoadedTls } from '../tls/tls-material-files';
export { RefusalLog } from '../tls/refusal-log';
export type { RefusalLogLimits } from '../tls/refusal-log';
export type { RefusedHandshake } from '../tls/refusal-reasons';
export { ConfigError } from '../text/config-error';
export { CertrpcError } from '../errors/certrpc-error';
