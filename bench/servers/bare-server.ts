// The baseline of every pair: plain grpc-js with the same certificates, grpc-js's own TLS
// (ServerCredentials.createSsl with client certificates required), no interceptors.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import { echoService } from '../../src/demo/echo-service';
import { keyValueService } from '../../src/demo/kv-service';
import { runServerProcess } from './server-process';

runServerProcess(async (config) => {
  const server = new Server();
  for (const s of [echoService(), keyValueService()]) server.addService(s.definition, s.implementation);
  const credentials = ServerCredentials.createSsl(readFileSync(config.caFile), [{ cert_chain: readFileSync(config.certFile), private_key: readFileSync(config.keyFile) }], true);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
});
