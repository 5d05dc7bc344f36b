// Idle connections: open `count` mTLS + HTTP/2 connections, make one call on each (so each is a
// real, admitted gRPC connection), then hold them open until told to close.
import { performance } from 'node:perf_hooks';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';
import { openRawConnection, RawConnection, rawSay } from './raw-grpc';

export interface IdleOpenJob {
  address: string;
  tls: ClientTlsMaterial;
  count: number;
  /** Handshakes in flight at once while opening. */
  parallel: number;
}

export interface IdleOpenResult {
  opened: number;
  errors: number;
  seconds: number;
  errorSamples: string[];
}

const held: RawConnection[] = [];

export async function openIdle(job: IdleOpenJob): Promise<IdleOpenResult> {
  const host = job.address.slice(0, job.address.lastIndexOf(':'));
  const port = Number(job.address.slice(job.address.lastIndexOf(':') + 1));
  const started = performance.now();
  let next = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const worker = async () => {
    while (next < job.count) {
      next++;
      try {
        const connection = await openRawConnection(host, port, job.tls);
        held.push(connection);
        const status = await rawSay(connection.session, 'hello');
        if (status !== 0) throw new Error(`grpc-status ${status}`);
      } catch (err) {
        errors++;
        if (errorSamples.length < 3) errorSamples.push((err as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: job.parallel }, worker));
  return { opened: held.filter((c) => !c.socket.destroyed).length, errors, seconds: (performance.now() - started) / 1000, errorSamples };
}

/** How many held connections are still open (a server that dropped idle ones would show here). */
export function stillOpen(): number {
  return held.filter((c) => !c.socket.destroyed && !c.session.closed).length;
}

export function closeIdle(): number {
  const n = held.length;
  for (const c of held.splice(0)) c.close();
  return n;
}
