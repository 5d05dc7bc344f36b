// The frame every calling command runs in: read the identity, connect (explaining a refusal),
// hand the command a connection, metadata, deadline and schema, close, map errors to exit codes.
import { Metadata } from '@grpc/grpc-js';
import { RpcConnection } from '../../client/connection';
import type { ResolvedIdentity } from './identity-options';
import { Schema } from '../../client/schema';
import { ConnectionFlags, connectionFromFlags } from './connection-flags';
import { checkRequestFlags, deadlineFrom, metadataFrom, RequestFlags, schemaFor } from './request-flags';
import { RpcPhase, rpcFailure } from './rpc-errors';
import { VerboseLog } from './verbose';

export interface RpcSession {
  connection: RpcConnection;
  identity: ResolvedIdentity;
  metadata: Metadata;
  deadline?: number;
  verbose: VerboseLog;
  /** What errors are about from now on: reflection (reading the schema) or the call itself. */
  phase: RpcPhase;
  schema(): Promise<Schema>;
}

export async function runSession(address: string, flags: ConnectionFlags & RequestFlags, body: (session: RpcSession) => Promise<void>): Promise<void> {
  const started = Date.now();
  checkRequestFlags(flags);
  const verbose = new VerboseLog(Boolean(flags.verbose));
  const metadata = metadataFrom(flags.header ?? []);
  const deadline = deadlineFrom(flags, started);
  const { options, identity } = connectionFromFlags(address, flags);
  if (deadline !== undefined) options.connectTimeoutMs = Math.min(options.connectTimeoutMs ?? Infinity, deadline - started);
  const connection = new RpcConnection(options);
  let schema: Promise<Schema> | undefined;
  const session: RpcSession = {
    connection,
    identity,
    metadata,
    deadline,
    verbose,
    phase: 'reflection',
    schema: () => (schema ??= schemaFor(connection, flags, metadata, deadline)),
  };
  try {
    verbose.step(`connecting to ${address} as ${identity.description}${options.authority ? `, server name ${options.authority}` : ''}`);
    await connection.connect();
    verbose.step('connected (TCP, TLS, HTTP/2)');
    await body(session);
  } catch (err) {
    throw rpcFailure(err, session.phase);
  } finally {
    connection.close();
  }
}
