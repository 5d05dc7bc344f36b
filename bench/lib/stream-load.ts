// Server-streaming throughput: Echo/Repeat returns `messagesPerCall` messages of `sizeBytes` each;
// messages and bytes are counted as they arrive inside the measured window.
import { Metadata, status as Status, StatusObject } from '@grpc/grpc-js';
import { SayResponse } from '../../src/gen/demo/v1/echo';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { LoadResult, Recorder } from './load-result';
import { runTimed, TimedOptions } from './timed-loop';
import { openChannels } from './unary-load';

export interface StreamJob extends TimedOptions {
  address: string;
  tls: ClientTlsMaterial;
  sizeBytes: number;
  messagesPerCall: number;
}

export async function runStream(job: StreamJob): Promise<LoadResult> {
  const [client] = await openChannels(job.address, job.tls, 1);
  const recorder = new Recorder();
  try {
    const elapsed = await runTimed(
      job,
      (done, _slot, window) => {
        const call = client.repeat({ message: 'x', repeat: job.messagesPerCall, sizeBytes: job.sizeBytes }, new Metadata(), { deadline: Date.now() + 60_000 });
        call.on('data', (m: SayResponse) => {
          if (!window.contains()) return;
          recorder.messages++;
          recorder.bytes += m.message.length;
        });
        call.on('error', () => undefined); // reported through 'status'
        call.on('status', (s: StatusObject) => done(s.code, s.code === Status.OK ? undefined : s.details));
      },
      recorder,
    );
    return recorder.result(elapsed);
  } finally {
    client.close();
  }
}
