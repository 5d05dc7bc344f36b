// The baseline of every pair: plain grpc-js with the same certificates, grpc-js's own TLS
// (ServerCredentials.createSsl with client certificates required), no interceptors.
// Variants split certrpc's cost for docs/BENCHMARKS.md (the unary and streaming breakdowns):
//   noop-interceptor: grpc-js's interceptor machinery with an interceptor that does nothing;
//   mtls-listener:    certrpc's TLS listener feeding grpc-js's connection injector, no interceptor;
//   certrpc-modules:  plain grpc-js in a process that has loaded certrpc's server, authorization and
//                     metrics modules without using them: certrpc's heap, nothing on the call path.
//   node-tls:         grpc-js behind Node's own tls.Server (the options createSsl gives it), fed
//                     through the connection injector: the path certrpc's listener takes, nothing added;
//   identity-floor:   the same, reading each connection's peer certificate once (getPeerCertificate()):
//                     the least a server that knows its callers does per connection (the new-connection row).
// (A larger heap and nothing else is `appStateMb`, which any bench server takes: server-process.ts.)
import { Server, ServerCredentials, ServerInterceptingCall, ServerInterceptor } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:tls';
import { echoService } from '../../src/demo/echo-service';
import { keyValueService } from '../../src/demo/kv-service';
import { MtlsListener } from '../../src/tls/mtls-listener';
import { runServerProcess } from './server-process';

const noop: ServerInterceptor = (_method, call) => new ServerInterceptingCall(call);

runServerProcess(async (config) => {
  if (config.variant === 'certrpc-modules')
    await Promise.all([
      import('../../src/server/create-server'),
      import('../../src/authz/authorization'),
      import('../../src/metrics/server-metrics'),
    ]);
  const server = new Server({ ...config.grpcOptions, ...(config.variant === 'noop-interceptor' ? { interceptors: [noop] } : {}) });
  for (const s of [echoService(), keyValueService()]) server.addService(s.definition, s.implementation);
  let port: number;
  let listener: { close(): Promise<void> } | undefined;
  if (config.variant === 'node-tls' || config.variant === 'identity-floor') {
    const readIdentity = config.variant === 'identity-floor';
    const tls = createTlsServer({
      ca: readFileSync(config.caFile),
      cert: readFileSync(config.certFile),
      key: readFileSync(config.keyFile),
      requestCert: true,
      rejectUnauthorized: true,
      ALPNProtocols: ['h2'],
    });
    const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
    tls.on('secureConnection', (socket) => {
      if (readIdentity) socket.getPeerCertificate();
      injector.injectConnection(socket);
    });
    port = await new Promise<number>((resolve) => tls.listen(0, '127.0.0.1', () => resolve((tls.address() as { port: number }).port)));
    listener = { close: () => new Promise<void>((resolve) => tls.close(() => resolve())) };
  } else if (config.variant === 'mtls-listener') {
    const mtls = new MtlsListener({
      clientCaPem: readFileSync(config.caFile, 'utf8'),
      certPem: readFileSync(config.certFile, 'utf8'),
      keyPem: readFileSync(config.keyFile, 'utf8'),
    });
    const injector = server.createConnectionInjector(ServerCredentials.createInsecure());
    mtls.on('connection', (socket) => injector.injectConnection(socket));
    port = (await mtls.listen('127.0.0.1', 0)).port;
    listener = mtls;
  } else {
    const credentials = ServerCredentials.createSsl(
      readFileSync(config.caFile),
      [{ cert_chain: readFileSync(config.certFile), private_key: readFileSync(config.keyFile) }],
      true,
    );
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
    );
  }
  return {
    port,
    stop: async () => {
      await listener?.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
});
