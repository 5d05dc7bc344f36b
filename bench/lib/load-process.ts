// The load generator's process (forked by load-generator.ts): runs one job at a time for the
// driver, on its own core, so client work never shares an event loop with the server measured.
import { closeIdle, IdleOpenJob, openIdle, stillOpen } from './idle-load';
import { HandshakeJob, runHandshakes } from './handshake-load';
import { serveIpc } from './ipc';
import { runStream, StreamJob } from './stream-load';
import { windowEdges } from './timed-loop';
import { runUnary, UnaryJob } from './unary-load';

// grpc-js passes an IP address as TLS servername, which Node flags as deprecated on every connection.
process.noDeprecation = true;

windowEdges.on('start', () => process.send?.({ event: 'window', edge: 'start' }));
windowEdges.on('end', () => process.send?.({ event: 'window', edge: 'end' }));

serveIpc({
  unary: (m) => runUnary(m.job as UnaryJob),
  stream: (m) => runStream(m.job as StreamJob),
  handshakes: (m) => runHandshakes(m.job as HandshakeJob),
  'idle-open': (m) => openIdle(m.job as IdleOpenJob),
  'idle-count': () => stillOpen(),
  'idle-close': () => closeIdle(),
});
process.send?.({ id: 0, result: { ready: true } });
