// `certrpc`: the whole library API, every entry point in one. For less at require time, take the
// part you need: certrpc/client, certrpc/server, certrpc/pki, certrpc/lifecycle, certrpc/proxy.
//
//   // certrpc's policy engine in a grpc-js server of your own:
//   const server = new Server({ interceptors: [createInterceptor({ policyFile: 'policy.yaml' })] });
//   // or certrpc's own server (its TLS listener, health, reflection, limits):
//   const server = createServer({ tls, services: [{ definition: MyService, implementation }], policyFile: 'policy.yaml' });
//   // handlers: callerOf(call).identity.commonName, callerOf(call).roles
export * from './client';
export * from './server';
export * from './pki';
export * from './lifecycle';
export * from './proxy';
export * as pki from '../pki';
export { loadServeConfig } from '../config/serve-config';
export { QuantityError } from '../text/quantities';
export { createLogger } from '../log/logger';
// An existing smallstep step-ca: pin its root, enroll with a one-time token, renew over mutual TLS.
export * as stepca from '../stepca';
