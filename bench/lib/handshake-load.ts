// New connections per second: each operation is a full mTLS handshake, one Echo/Say call, close.
//   grpc: a fresh grpc-js channel per operation (what a short-lived client does);
//   raw:  Node tls + http2 directly, optionally resuming the worker's last TLS session.
import { Metadata, status as Status } from '@grpc/grpc-js';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { ClientTlsMaterial, createClientCredentials } from '../../src/tls/client-credentials';
import { LoadResult, Recorder } from './load-result';
import { openRawConnection, rawSay } from './raw-grpc';
import { runTimed, TimedOptions } from './timed-loop';

export interface HandshakeJob extends TimedOptions {
  address: string;
  tls: ClientTlsMaterial;
  client: 'grpc' | 'raw';
  /** raw only: offer the previous TLS session of the same worker. */
  resume?: boolean;
}

export async function runHandshakes(job: HandshakeJob): Promise<LoadResult> {
  const recorder = new Recorder();
  const elapsed = await runTimed(job, job.client === 'grpc' ? grpcOperation(job) : rawOperation(job, recorder), recorder);
  return recorder.result(elapsed);
}

function grpcOperation(job: HandshakeJob) {
  const credentials = createClientCredentials(job.tls);
  return (done: (outcome: number, error?: string) => void) => {
    const client = new EchoClient(job.address, credentials, { 'grpc.use_local_subchannel_pool': 1 });
    client.say({ message: 'hello' }, new Metadata(), { deadline: Date.now() + 10_000 }, (err) => {
      client.close();
      done(err ? (err.code ?? Status.UNKNOWN) : Status.OK, err?.message);
    });
  };
}

function rawOperation(job: HandshakeJob, recorder: Recorder) {
  const [host, port] = [job.address.slice(0, job.address.lastIndexOf(':')), Number(job.address.slice(job.address.lastIndexOf(':') + 1))];
  const sessions: (Buffer | undefined)[] = [];
  return (done: (outcome: number | string, error?: string) => void, slot: number, window: { contains(): boolean }) => {
    const onSession = job.resume ? (s: Buffer) => (sessions[slot] = s) : undefined;
    openRawConnection(host, port, job.tls, { session: job.resume ? sessions[slot] : undefined, onSession })
      .then(async (connection) => {
        try {
          const status = await rawSay(connection.session, 'hello');
          if (connection.resumed && window.contains()) recorder.resumed++;
          done(status);
        } finally {
          connection.close();
        }
      })
      .catch((err: Error & { code?: string }) => done(err.code ?? 'ERROR', err.message));
  };
}
