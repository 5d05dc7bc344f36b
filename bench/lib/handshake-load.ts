// New connections per second: each operation is a full mTLS handshake, one Echo/Say call, close.
//   grpc:    a fresh grpc-js channel per operation with grpc-js's own credentials (createSsl: a
//            full handshake every time, what a short-lived grpc-js client does);
//   certrpc: the same with certrpc's credentials (createClientCredentials), which resume the
//            session the previous connection got (resuming-credentials.ts);
//   raw:     Node tls + http2 directly, optionally resuming the worker's last TLS session.
import { ChannelCredentials, Metadata, status as Status } from '@grpc/grpc-js';
import { EchoClient } from '../../src/gen/demo/v1/echo';
import { ClientTlsMaterial, createClientCredentials } from '../../src/tls/client-credentials';
import type { ResumingChannelCredentials } from '../../src/tls/resuming-credentials';
import { LoadResult, Recorder } from './load-result';
import { openRawConnection, rawSay } from './raw-grpc';
import { runTimed, TimedOptions } from './timed-loop';

export interface HandshakeJob extends TimedOptions {
  address: string;
  tls: ClientTlsMaterial;
  client: 'grpc' | 'certrpc' | 'raw';
  /** raw only: offer the previous TLS session of the same worker. */
  resume?: boolean;
}

export async function runHandshakes(job: HandshakeJob): Promise<LoadResult> {
  const recorder = new Recorder();
  const elapsed = await runTimed(job, job.client === 'raw' ? rawOperation(job, recorder) : grpcOperation(job), recorder);
  const result = recorder.result(elapsed);
  if (job.client === 'certrpc') result.resumed = resumedIn(job, result.count);
  return result;
}

const certrpcCredentials = new WeakMap<HandshakeJob, ResumingChannelCredentials>();
/** The share of the job's connections that resumed, applied to those counted in the window. */
function resumedIn(job: HandshakeJob, counted: number): number {
  const c = certrpcCredentials.get(job);
  return c && c.stats.connections > 0 ? Math.round((counted * c.stats.resumed) / c.stats.connections) : 0;
}

function grpcOperation(job: HandshakeJob) {
  let credentials: ChannelCredentials;
  if (job.client === 'certrpc') {
    const resuming = createClientCredentials(job.tls) as ResumingChannelCredentials;
    certrpcCredentials.set(job, resuming);
    credentials = resuming;
  } else {
    credentials = ChannelCredentials.createSsl(
      Buffer.from(job.tls.caPem),
      Buffer.from(job.tls.keyPem ?? ''),
      Buffer.from(job.tls.certPem ?? ''),
    );
  }
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
