// Flags of the commands that make RPCs by name (list, describe, call): metadata, time limit,
// where the schema comes from, verbosity.
import { Command } from 'commander';
import { Metadata } from '@grpc/grpc-js';
import { UsageError } from '../exit-codes';
import { parseTimeout } from './connection-flags';
import { ReflectionClient, reflectionSchemaSource } from '../../client/reflection-client';
import { withBuiltInServices } from '../../client/builtin-schema';
import { Schema } from '../../client/schema';
import type { RpcConnection } from '../../client/connection';
import { collect } from '../help';

export interface RequestFlags {
  header: string[];
  maxTime?: string;
  proto?: string[];
  importPath?: string[];
  verbose?: boolean;
}


export function addRequestFlags(cmd: Command): Command {
  return cmd
    .option('-H, --header <header>', "request metadata 'key: value' (repeatable; a key ending in -bin takes base64)", collect, [])
    .option('--max-time <seconds>', 'the whole command must finish within this time: seconds (1.5), or with a unit (500ms, 2m) (else DEADLINE_EXCEEDED, exit 68)')
    .option('--proto <file...>', 'take the schema from these .proto files instead of server reflection')
    .option('--import-path <dir...>', 'directories the --proto files and their imports are relative to')
    .option('-v, --verbose', 'print the method, headers, trailers, message counts and timing on stderr');
}

export function checkRequestFlags(flags: RequestFlags): void {
  if (flags.importPath?.length && !flags.proto?.length) throw new UsageError('--import-path needs --proto', 'name the .proto files with --proto FILE...');
}

/** "-H 'key: value'" flags as gRPC metadata. */
export function metadataFrom(headers: string[]): Metadata {
  const metadata = new Metadata();
  for (const header of headers) {
    const colon = header.indexOf(':');
    const key = header.slice(0, colon).trim().toLowerCase();
    if (colon <= 0 || !/^[0-9a-z_.-]+$/.test(key)) {
      throw new UsageError(`bad header "${header}"`, "write -H 'key: value' (key: lower-case letters, digits, '-', '_', '.')");
    }
    const value = header.slice(colon + 1).trim();
    if (key.endsWith('-bin')) metadata.add(key, Buffer.from(value, 'base64'));
    else metadata.add(key, value);
  }
  return metadata;
}

/** Epoch ms by which the whole command must be done, from --max-time. */
export function deadlineFrom(flags: RequestFlags, started = Date.now()): number | undefined {
  return flags.maxTime === undefined ? undefined : started + parseTimeout(flags.maxTime, '--max-time');
}

/** The schema from --proto files, or else from the server's reflection service. */
export async function schemaFor(connection: RpcConnection, flags: RequestFlags, metadata: Metadata, deadline?: number): Promise<Schema> {
  if (flags.proto?.length) {
    // proto-loader (protobufjs) is only loaded when there are .proto files to parse.
    const { protoFilesSchemaSource } = await import('../../client/proto-files');
    return new Schema(protoFilesSchemaSource(flags.proto, flags.importPath ?? []));
  }
  return new Schema(withBuiltInServices(reflectionSchemaSource(new ReflectionClient(connection.client, () => metadata.clone(), deadline))));
}
