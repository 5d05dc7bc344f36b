// The frame every calling command runs in: read the identity, connect (explaining a refusal),
// hand the command a connection, metadata, deadline and schema, close, map errors to exit codes.
import { Metadata } from '@grpc/grpc-js';
import type { Registry } from '@bufbuild/protobuf';
import { RpcConnection } from '../../client/connection';
import type { ResolvedIdentity } from './identity-options';
import { Schema, SchemaElement } from '../../client/schema';
import { ConnectionFlags, connectionFromFlags, doctorCommandFor } from './connection-flags';
import { checkRequestFlags, deadlineFrom, maxMessageBytes, metadataFrom, RequestFlags, schemaFor } from './request-flags';
import { checkProtosetOut, writeProtoset } from './protoset-out';
import { FailureContext, RpcPhase, rpcFailure } from './rpc-errors';
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
  /** --protoset-out: writes the files declaring these elements (and their imports); nothing without the flag. */
  saveSchema(elements: SchemaElement[]): Promise<void>;
  /** Where the types of a status's details are looked up first (the called method's files). */
  callRegistry?: Registry;
}

export async function runSession(
  address: string,
  flags: ConnectionFlags & RequestFlags,
  body: (session: RpcSession) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  checkRequestFlags(flags);
  checkProtosetOut(flags.protosetOut, Boolean(flags.force));
  const verbose = new VerboseLog(Boolean(flags.verbose));
  const metadata = metadataFrom(flags.header ?? []);
  const deadline = deadlineFrom(flags, started);
  const { options, identity } = connectionFromFlags(address, flags);
  options.maxReceiveMessageBytes = maxMessageBytes(flags);
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
    saveSchema: async (elements) => {
      if (!flags.protosetOut) return;
      const written = writeProtoset(await session.schema(), elements, flags.protosetOut, Boolean(flags.force));
      verbose.step(`wrote ${written} to ${flags.protosetOut}`);
    },
  };
  const context: FailureContext = {
    get phase() {
      return session.phase;
    },
    doctorCommand: doctorCommandFor(address, flags),
    maxMessageBytes: options.maxReceiveMessageBytes,
    formatError: flags.formatError ? { registryFor: (typeName) => detailRegistry(session, typeName) } : undefined,
  };
  try {
    verbose.step(`connecting to ${address} as ${identity.description}${options.authority ? `, server name ${options.authority}` : ''}`);
    await connection.connect();
    verbose.step('connected (TCP, TLS, HTTP/2)');
    await body(session);
  } catch (err) {
    throw await rpcFailure(err, context);
  } finally {
    connection.close();
  }
}

/** The schema of a status detail's type: the called method's files, else the schema source (reflection, --proto, --protoset). */
async function detailRegistry(session: RpcSession, typeName: string): Promise<Registry | undefined> {
  if (session.callRegistry?.getMessage(typeName)) return session.callRegistry;
  const found = await (await session.schema()).find(typeName).catch(() => undefined);
  return found?.element.kind === 'message' ? found.registry : undefined;
}
