// Flags of the commands that make RPCs by name (list, describe, call): metadata, time limit,
// where the schema comes from (and where to save it), message size, error format, verbosity.
import { Command } from 'commander';
import { Metadata } from '@grpc/grpc-js';
import { UsageError } from '../exit-codes';
import { parseTimeout } from './connection-flags';
import { ReflectionClient, reflectionSchemaSource } from '../../client/reflection-client';
import { withBuiltInServices } from '../../client/builtin-schema';
import { Schema } from '../../client/schema';
import type { RpcConnection } from '../../client/connection';
import { parseByteSize, QuantityError } from '../../text/quantities';
import { collect } from '../help';

export interface RequestFlags {
  header: string[];
  maxTime?: string;
  proto?: string[];
  importPath?: string[];
  protoset?: string[];
  protosetOut?: string;
  force?: boolean;
  maxMsgSz?: string;
  formatError?: boolean;
  verbose?: boolean;
}

/** grpc-js's (and grpcurl's) default limit on a received message. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** grpc-js keeps the limit in a 32-bit signed integer. */
const LARGEST_MESSAGE_LIMIT = 2 ** 31 - 1;

export function addRequestFlags(cmd: Command): Command {
  return cmd
    .option('-H, --header <header>', "request metadata 'key: value' (repeatable; a key ending in -bin takes base64)", collect, [])
    .option(
      '--max-time <seconds>',
      'the whole command must finish within this time: seconds (1.5), or with a unit (500ms, 2m) (else DEADLINE_EXCEEDED, exit 68)',
    )
    .option('--proto <file...>', 'take the schema from these .proto files instead of server reflection')
    .option('--import-path <dir...>', 'directories the --proto files and their imports are relative to')
    .option(
      '--protoset <file...>',
      'take the schema from these descriptor sets (protoc --include_imports --descriptor_set_out, or --protoset-out) instead of server reflection',
    )
    .option(
      '--protoset-out <file>',
      'also write the schema of what was listed, described or called to FILE, as a descriptor set that --protoset reads (for servers without reflection)',
    )
    .option('--force', 'let --protoset-out replace an existing file')
    .option(
      '--max-msg-sz <bytes>',
      'the largest response message accepted, in bytes or with a unit (4MiB); larger ones end the call RESOURCE_EXHAUSTED (exit 72)',
      String(DEFAULT_MAX_MESSAGE_BYTES),
    )
    .option('--format-error', 'print a non-OK status as one JSON object on stderr: {"code","name","message","details"}')
    .option('-v, --verbose', 'print the method, headers, trailers, message counts and timing on stderr');
}

export function checkRequestFlags(flags: RequestFlags): void {
  if (flags.importPath?.length && !flags.proto?.length)
    throw new UsageError('--import-path needs --proto', 'name the .proto files with --proto FILE...');
  if (flags.proto?.length && flags.protoset?.length)
    throw new UsageError(
      '--proto and --protoset both give the schema',
      'use one of them: .proto files (--proto) or descriptor sets (--protoset)',
    );
  if (flags.force && !flags.protosetOut)
    throw new UsageError('--force replaces the --protoset-out file, and there is none', 'add --protoset-out FILE, or leave out --force');
  maxMessageBytes(flags);
}

/** --max-msg-sz as bytes: a whole number of bytes, or a size with a unit (64KiB, 4MiB). */
export function maxMessageBytes(flags: Pick<RequestFlags, 'maxMsgSz'>): number {
  const text = flags.maxMsgSz ?? String(DEFAULT_MAX_MESSAGE_BYTES);
  let bytes: number;
  try {
    bytes = parseByteSize(text);
  } catch (err) {
    if (!(err instanceof QuantityError)) throw err;
    throw new UsageError(`bad --max-msg-sz "${text}": ${err.message}`, err.fix);
  }
  if (bytes < 1 || bytes > LARGEST_MESSAGE_LIMIT)
    throw new UsageError(
      `bad --max-msg-sz "${text}": it must be between 1 byte and 2 GiB`,
      `e.g. --max-msg-sz ${DEFAULT_MAX_MESSAGE_BYTES} (4MiB, the default) or --max-msg-sz 16MiB`,
    );
  return bytes;
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

/** The schema from --proto files, --protoset files, or else from the server's reflection service. */
export async function schemaFor(connection: RpcConnection, flags: RequestFlags, metadata: Metadata, deadline?: number): Promise<Schema> {
  if (flags.proto?.length) {
    // proto-loader (protobufjs) is only loaded when there are .proto files to parse.
    const { protoFilesSchemaSource } = await import('../../client/proto-files');
    return new Schema(protoFilesSchemaSource(flags.proto, flags.importPath ?? []));
  }
  if (flags.protoset?.length) {
    const { protosetSchemaSource } = await import('../../client/protoset-files');
    return new Schema(protosetSchemaSource(flags.protoset));
  }
  return new Schema(withBuiltInServices(reflectionSchemaSource(new ReflectionClient(connection.client, () => metadata.clone(), deadline))));
}
