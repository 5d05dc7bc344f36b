// `certrpc/proxy`: the mTLS CONNECT proxy (createClient's `proxy` option is its client side).
export { ConnectProxy } from '../proxy/connect-proxy';
export type { ConnectProxyOptions, ConnectAuthorizer } from '../proxy/connect-proxy';
export type { AddressLookup } from '../proxy/target-lookup';
export { TargetLookupError } from '../proxy/target-lookup';
export { decideConnect, parseConnectTarget } from '../authz/connect-rules';
export type { ConnectDecision, ConnectTarget } from '../authz/connect-rules';
export { CertrpcError } from '../errors/certrpc-error';
