// The baseline, written as grpc-js's README writes a server and nothing of certrpc: a
// proto-loader service (demo.v1.Echo), ServerCredentials.createSsl with client certificates
// required, no interceptors. Plain JavaScript, run as is (not compiled with the bench).
//   node bare-server.js CA_FILE CERT_FILE KEY_FILE   -> prints "listening on 127.0.0.1:PORT"
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const [caFile, certFile, keyFile] = process.argv.slice(2);
const definition = protoLoader.loadSync(join(__dirname, '..', '..', 'proto', 'demo', 'v1', 'echo.proto'), {
  keepCase: false,
  longs: String,
  defaults: true,
});
const { demo } = grpc.loadPackageDefinition(definition);

function padded(message, size) {
  if (size <= 0 || message === '') return message;
  return message.repeat(Math.ceil(size / message.length)).slice(0, size);
}

const server = new grpc.Server();
server.addService(demo.v1.Echo.service, {
  Say(call, callback) {
    callback(null, { message: call.request.message, index: 0 });
  },
  Repeat(call) {
    const count = call.request.repeat;
    const message = padded(call.request.message, call.request.sizeBytes);
    let index = 0;
    const pump = () => {
      while (index < count && !call.cancelled) {
        if (!call.write({ message, index: index++ })) return void call.once('drain', pump);
      }
      call.end();
    };
    pump();
  },
  Collect(call, callback) {
    const parts = [];
    call.on('data', (m) => parts.push(m.message));
    call.on('end', () => callback(null, { message: parts.join(' '), index: parts.length }));
  },
  Chat(call) {
    let index = 0;
    call.on('data', (m) => call.write({ message: m.message, index: index++ }));
    call.on('end', () => call.end());
  },
});
const credentials = grpc.ServerCredentials.createSsl(
  readFileSync(caFile),
  [{ cert_chain: readFileSync(certFile), private_key: readFileSync(keyFile) }],
  true,
);
server.bindAsync('127.0.0.1:0', credentials, (err, port) => {
  if (err) throw err;
  console.log(`listening on 127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
