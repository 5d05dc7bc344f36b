// Unary load: Echo/Say over `connections` channels, `concurrency` calls in flight in total.
import { Metadata, status as Status } from '@grpc/grpc-js';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { ClientTlsMaterial, createClientCredentials } from '../../src/tls/client-credentials';
import { LoadResult, Recorder } from './load-result';
import { runTimed, TimedOptions } from './timed-loop';

export interface UnaryJob extends TimedOptions {
  address: string;
  tls: ClientTlsMaterial;
  connections: number;
  message: string;
}

/** Channels that each own their TCP connection (grpc-js shares one per target unless told not to). */
export async function openChannels(address: string, tls: ClientTlsMaterial, count: number): Promise<EchoClient[]> {
  const credentials = createClientCredentials(tls);
  const clients = Array.from({ length: count }, () => new EchoClient(address, credentials, { 'grpc.use_local_subchannel_pool': 1 }));
  await Promise.all(
    clients.map(
      (c) => new Promise<void>((resolve, reject) => c.waitForReady(Date.now() + 10_000, (err) => (err ? reject(err) : resolve()))),
    ),
  );
  return clients;
}

export async function runUnary(job: UnaryJob): Promise<LoadResult> {
  const clients = await openChannels(job.address, job.tls, job.connections);
  const recorder = new Recorder();
  const request = { message: job.message };
  try {
    const elapsed = await runTimed(
      job,
      (done, slot) => {
        clients[slot % clients.length].say(request, new Metadata(), { deadline: Date.now() + 30_000 }, (err) =>
          done(err ? (err.code ?? Status.UNKNOWN) : Status.OK, err?.message),
        );
      },
      recorder,
    );
    return recorder.result(elapsed);
  } finally {
    for (const c of clients) c.close();
  }
}
