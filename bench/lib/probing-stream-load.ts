// Server streaming (Echo/Repeat) from a client that probes bandwidth while it receives, as grpc-go
// and gRPC C-core clients do (BDP estimation): one PING in flight, a new one when data arrives
// after its ACK. grpc-js clients never ping like that, so the other streaming rows cannot show how
// a server's ping policy treats such clients. Spoken over Node's http2 directly (raw-grpc.ts); a
// connection the server closes is replaced, as a real client would, and the streams it cut count
// as errors.
import { RepeatRequest } from '../../src/gen/demo/v1/echo';
import { LoadResult, Recorder } from './load-result';
import { openRawConnection, RawConnection } from './raw-grpc';
import type { StreamJob } from './stream-load';
import { runTimed } from './timed-loop';

interface ProbingConnection extends RawConnection {
  probe(): void;
}

export async function runProbingStream(job: StreamJob): Promise<LoadResult> {
  const recorder = new Recorder();
  const separator = job.address.lastIndexOf(':');
  const [host, port] = [job.address.slice(0, separator), Number(job.address.slice(separator + 1))];
  const body = RepeatRequest.encode({ message: 'x', repeat: job.messagesPerCall, sizeBytes: job.sizeBytes }).finish();
  const request = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), body]);
  request.writeUInt32BE(body.length, 1);
  let current: Promise<ProbingConnection> | undefined;
  const opened: ProbingConnection[] = [];
  const connection = () => (current ??= openProbing(host, port, job, () => (current = undefined)).then((c) => (opened.push(c), c)));
  try {
    const elapsed = await runTimed(
      job,
      (done, _slot, window) => {
        connection().then(
          (c) => {
            const stream = c.session.request({
              ':method': 'POST',
              ':path': '/demo.v1.Echo/Repeat',
              'content-type': 'application/grpc',
              te: 'trailers',
            });
            let status: string | undefined;
            const count = messageCounter((length) => {
              if (!window.contains()) return;
              recorder.messages++;
              recorder.bytes += length;
            });
            stream.on('data', (chunk: Buffer) => {
              count(chunk);
              c.probe();
            });
            stream.on('trailers', (headers) => (status = String(headers['grpc-status'])));
            stream.on('error', () => undefined);
            stream.on('close', () =>
              status !== undefined
                ? done(Number(status))
                : done('STREAM CUT', `stream closed without a status (RST_STREAM ${stream.rstCode}, connection closed by the server)`),
            );
            stream.end(request);
          },
          (err: Error) => done('CONNECT', err.message),
        );
      },
      recorder,
    );
    return recorder.result(elapsed);
  } finally {
    for (const c of opened) c.close();
  }
}

function openProbing(host: string, port: number, job: StreamJob, onGone: () => void): Promise<ProbingConnection> {
  return openRawConnection(host, port, job.tls).then((raw) => {
    raw.session.once('goaway', onGone);
    raw.session.once('close', onGone);
    let pingInFlight = false;
    const probe = () => {
      if (pingInFlight || raw.session.closed || raw.session.destroyed) return;
      pingInFlight = true;
      raw.session.ping(() => (pingInFlight = false));
    };
    return { ...raw, probe };
  });
}

/** Calls onMessage(payload length) for each whole gRPC message in a stream's DATA, chunk by chunk. */
function messageCounter(onMessage: (length: number) => void): (chunk: Buffer) => void {
  let header = Buffer.alloc(0);
  let remaining = 0;
  let length = 0;
  return (chunk) => {
    for (let i = 0; i < chunk.length;) {
      if (remaining > 0) {
        const take = Math.min(remaining, chunk.length - i);
        remaining -= take;
        i += take;
        if (remaining === 0) onMessage(length);
        continue;
      }
      const part = chunk.subarray(i, i + 5 - header.length);
      header = Buffer.concat([header, part]);
      i += part.length;
      if (header.length < 5) continue;
      remaining = length = header.readUInt32BE(1);
      header = Buffer.alloc(0);
      if (remaining === 0) onMessage(0);
    }
  };
}
