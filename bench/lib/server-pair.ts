// The pair most scenarios compare: certrpc (mTLS listener + identity + authorization + audit log
// to a file) and bare grpc-js, both with the same certificates of one key type, as processes.
import { mkdtempSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeBenchPolicy } from './bench-policy';
import { BenchKeyType, benchPki, TlsSet } from './bench-pki';
import { BenchServer, startServer } from './server-launcher';
import { ClientTlsMaterial } from '../../src/tls/client-credentials';

export interface ServerPair {
  set: TlsSet;
  certrpc: BenchServer;
  bare: BenchServer;
  auditFile: string;
  clientTls: ClientTlsMaterial;
  /** Size of the audit log written so far (proof that auditing was on). */
  auditBytes(): number;
  stop(): Promise<void>;
}

export function clientTlsOf(set: TlsSet): ClientTlsMaterial {
  return { caPem: set.caPem, certPem: set.client.certPem, keyPem: set.client.keyPem };
}

/** Starts the certrpc server of the pair (full call gate) for a key type. */
export async function startCertrpc(
  set: TlsSet,
  options: { maxConnections?: number } = {},
): Promise<{ server: BenchServer; auditFile: string }> {
  const { policyFile, auditFile } = writeBenchPolicy(mkdtempSync(join(set.dir, 'policy-')));
  const server = await startServer('certrpc', {
    caFile: set.caFile,
    certFile: set.server.certFile,
    keyFile: set.server.keyFile,
    policyFile,
    auditFile,
    ...options,
  });
  return { server, auditFile };
}

export function startBare(set: TlsSet): Promise<BenchServer> {
  return startServer('bare', { caFile: set.caFile, certFile: set.server.certFile, keyFile: set.server.keyFile });
}

export async function startPair(keyType: BenchKeyType, options: { maxConnections?: number } = {}): Promise<ServerPair> {
  const set = (await benchPki()).sets[keyType];
  const bare = await startBare(set);
  const { server: certrpc, auditFile } = await startCertrpc(set, options).catch(async (err) => {
    await bare.stop();
    throw err;
  });
  return {
    set,
    certrpc,
    bare,
    auditFile,
    clientTls: clientTlsOf(set),
    auditBytes: () => {
      try {
        return statSync(auditFile).size;
      } catch {
        return 0;
      }
    },
    stop: async () => {
      await Promise.all([certrpc.stop(), bare.stop()]);
    },
  };
}
