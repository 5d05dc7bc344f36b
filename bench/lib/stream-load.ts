// Streaming throughput, the three streaming shapes of demo.v1.Echo, `messagesPerCall` messages of
// `sizeBytes` each per stream:
//   server: Echo/Repeat, the server writes them; counted as they arrive inside the measured window.
//   client: Echo/Collect, the client writes them (respecting back-pressure); the server's answer
//           says how many it received (index) and carries them joined, counted when it arrives.
//   bidi:   Echo/Chat, the client writes them, the server answers each; answers counted as they arrive.
import { Metadata, status as Status, StatusObject } from '@grpc/grpc-js';
import type { EchoClient, SayResponse } from '../../src/gen/demo/v1/echo';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { LoadResult, Recorder } from './load-result';
import { runProbingStream } from './probing-stream-load';
import { runTimed, TimedOptions, Window } from './timed-loop';
import { openChannels } from './unary-load';

export type StreamShape = 'server' | 'client' | 'bidi';

export interface StreamJob extends TimedOptions {
  address: string;
  tls: ClientTlsMaterial;
  sizeBytes: number;
  messagesPerCall: number;
  /** Which side sends the messages; server streaming unless told. */
  shape?: StreamShape;
  /** server shape only: a raw HTTP/2 client that pings while it receives, as grpc-go does (probing-stream-load.ts). */
  probeBandwidth?: boolean;
}

type Done = (outcome: number | string, error?: string) => void;
const DEADLINE_MS = 60_000;

export async function runStream(job: StreamJob): Promise<LoadResult> {
  if (job.probeBandwidth) return runProbingStream(job);
  const [client] = await openChannels(job.address, job.tls, 1);
  const recorder = new Recorder();
  const payload = 'x'.repeat(job.sizeBytes);
  const count = (m: SayResponse, window: Window) => {
    if (!window.contains()) return;
    recorder.messages++;
    recorder.bytes += m.message.length;
  };
  const operations: Record<StreamShape, (done: Done, window: Window) => void> = {
    server(done, window) {
      const call = client.repeat({ message: 'x', repeat: job.messagesPerCall, sizeBytes: job.sizeBytes }, new Metadata(), {
        deadline: Date.now() + DEADLINE_MS,
      });
      call.on('data', (m: SayResponse) => count(m, window));
      call.on('error', () => undefined); // reported through 'status'
      call.on('status', (s: StatusObject) => done(s.code, s.code === Status.OK ? undefined : s.details));
    },
    client(done, window) {
      const call = client.collect(new Metadata(), { deadline: Date.now() + DEADLINE_MS }, (err, response) => {
        if (!err && window.contains()) {
          recorder.messages += response.index;
          recorder.bytes += response.index * job.sizeBytes;
        }
        done(err ? (err.code ?? Status.UNKNOWN) : Status.OK, err?.message);
      });
      writeAll(call, job.messagesPerCall, payload);
    },
    bidi(done, window) {
      const call = client.chat(new Metadata(), { deadline: Date.now() + DEADLINE_MS });
      call.on('data', (m: SayResponse) => count(m, window));
      call.on('error', () => undefined);
      call.on('status', (s: StatusObject) => done(s.code, s.code === Status.OK ? undefined : s.details));
      writeAll(call, job.messagesPerCall, payload);
    },
  };
  const operation = operations[job.shape ?? 'server'];
  try {
    const elapsed = await runTimed(job, (done, _slot, window) => operation(done, window), recorder);
    return recorder.result(elapsed);
  } finally {
    client.close();
  }
}

/** Writes `count` messages as fast as the stream takes them (resuming on 'drain'), then ends it. */
function writeAll(call: ReturnType<EchoClient['chat']> | ReturnType<EchoClient['collect']>, count: number, message: string): void {
  let sent = 0;
  const pump = () => {
    while (sent < count) {
      sent++;
      if (!call.write({ message })) return void call.once('drain', pump);
    }
    call.end();
  };
  pump();
}
