// The load generator, outside certrpc: a plain @grpc/grpc-js + @grpc/proto-loader client
// (nothing of certrpc's code), closed loop like ghz. Plain JavaScript, run as is.
//   node load.js ADDRESS CA CERT KEY MODE CONCURRENCY WARMUP_S DURATION_S
//   MODE: unary (Echo/Say) | stream-1k | stream-64k (Echo/Repeat, server streaming)
//         | client-1k (Echo/Collect, 100 messages a call) | bidi-1k (Echo/Chat, 1000 messages answered one by one)
// Prints "window start" and "window end" when the measured window opens and closes (the driver
// samples the server's CPU then), then one JSON line: { count, errors, messages, seconds }.
/* global performance, setTimeout, clearTimeout, setImmediate */
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

process.noDeprecation = true; // grpc-js passes the IP address as servername
const [address, caFile, certFile, keyFile, mode, concurrencyText, warmupText, durationText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const definition = protoLoader.loadSync(join(__dirname, '..', '..', 'proto', 'demo', 'v1', 'echo.proto'), {
  keepCase: false,
  longs: String,
  defaults: true,
});
const { demo } = grpc.loadPackageDefinition(definition);
const credentials = grpc.credentials.createSsl(readFileSync(caFile), readFileSync(keyFile), readFileSync(certFile));
const client = new demo.v1.Echo(address, credentials, { 'grpc.ssl_target_name_override': 'localhost' });

const start = performance.now() + Number(warmupText) * 1000;
const end = start + Number(durationText) * 1000;
let opened = false;
let closed = false;
const edge = (name) => process.stdout.write(`window ${name}\n`);
const open = () => {
  if (!opened) edge('start');
  opened = true;
};
const close = () => {
  open();
  if (!closed) edge('end');
  closed = true;
};
const timers = [setTimeout(open, start - performance.now()), setTimeout(close, end - performance.now())];
const inWindow = () => {
  const now = performance.now();
  return now >= start && now < end;
};
const result = { count: 0, errors: 0, messages: 0, seconds: Number(durationText) };
const size = mode === 'stream-64k' ? 65536 : 1024;
const perStream = mode === 'stream-64k' || mode === 'client-1k' ? 100 : 1000;
const kibibyte = 'x'.repeat(1024);

// Writes perStream 1 KiB messages with back-pressure, then half-closes; counts what was sent in the window.
function send(call) {
  let sent = 0;
  const pump = () => {
    while (sent < perStream) {
      sent++;
      if (mode === 'client-1k' && inWindow()) result.messages++;
      if (!call.write({ message: kibibyte })) return void call.once('drain', pump);
    }
    call.end();
  };
  pump();
}

function operation(done) {
  if (mode === 'unary') {
    client.Say({ message: 'hello' }, { deadline: Date.now() + 30000 }, (err) => done(err));
    return;
  }
  if (mode === 'client-1k') {
    send(client.Collect({ deadline: Date.now() + 60000 }, (err) => done(err)));
    return;
  }
  if (mode === 'bidi-1k') {
    const call = client.Chat({ deadline: Date.now() + 60000 });
    call.on('data', () => inWindow() && result.messages++);
    call.on('error', (err) => done(err));
    call.on('end', () => done());
    send(call);
    return;
  }
  const call = client.Repeat({ message: 'x', repeat: perStream, sizeBytes: size }, { deadline: Date.now() + 60000 });
  call.on('data', () => inWindow() && result.messages++);
  call.on('error', (err) => done(err));
  call.on('end', () => done());
}

let running = concurrency;
function next() {
  const now = performance.now();
  if (now >= end) {
    close();
    if (--running === 0) {
      timers.forEach(clearTimeout);
      client.close();
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    return;
  }
  if (now >= start) open();
  let finished = false;
  operation((err) => {
    if (finished) return;
    finished = true;
    if (inWindow()) {
      result.count++;
      if (err) result.errors++;
    }
    setImmediate(next);
  });
}
client.waitForReady(Date.now() + 10000, (err) => {
  if (err) throw err;
  for (let i = 0; i < concurrency; i++) next();
});
