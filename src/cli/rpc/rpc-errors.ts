// What list, describe and call print when something goes wrong, and the exit code (grpcurl's):
// 1 for a refused connection or an unknown symbol, 64 + N when the server ends a call with status N.
import { status as Status, StatusObject } from '@grpc/grpc-js';
import type { Registry } from '@bufbuild/protobuf';
import { ConnectionError } from '../../client/connection';
import { ReflectionLookupError } from '../../client/reflection-client';
import { SymbolNotFoundError } from '../../client/schema';
import { describeForCli } from '../error-wording';
import { EXIT, ExitWith } from '../exit-codes';
import { printable, printableJson } from '../../text/printable';

export type RpcPhase = 'reflection' | 'call';

export function statusName(code: number): string {
  return Status[code] ?? `STATUS_${code}`;
}

/** A call the server ended with a status other than OK (the status is printed by rpcFailure). */
export class CallEnded extends Error {
  constructor(readonly status: StatusObject) {
    super(`${statusName(status.code)}: ${status.details}`);
  }
}

/** What a failure is reported with: the phase it happened in, and the command's choices. */
export interface FailureContext {
  phase: RpcPhase;
  /** The `certrpc doctor ...` line that checks the same connection step by step. */
  doctorCommand: string;
  /** --max-msg-sz in force, for the hint when a message was larger. */
  maxMessageBytes?: number;
  /** --format-error: the status as one JSON object; finds the schema of a detail's type by name. */
  formatError?: { registryFor: (typeName: string) => Promise<Registry | undefined> };
}

type StatusLike = Pick<StatusObject, 'code' | 'details'> & { metadata?: StatusObject['metadata'] };

/** Prints a non-OK status ("certrpc: PERMISSION_DENIED (7): ...", or its JSON) and returns the exit to leave with. */
async function statusExit(status: StatusLike, context: FailureContext): Promise<ExitWith> {
  if (context.formatError) {
    const { statusJson } = await import('../../client/rpc-status');
    console.error(printableJson(JSON.stringify(await statusJson(status, context.formatError.registryFor))));
    return new ExitWith(EXIT.GRPC_STATUS_BASE + status.code);
  }
  // The message is the server's text: printed so it cannot steer the terminal.
  const lines = [`certrpc: ${statusName(status.code)} (${status.code}): ${printable(status.details)}`];
  if (context.phase === 'reflection') {
    if (status.code === Status.UNIMPLEMENTED)
      lines.push(
        '  the server does not offer reflection\n  fix: pass the schema with --proto FILE... [--import-path DIR...] or --protoset FILE...',
      );
    else if (status.code === Status.PERMISSION_DENIED)
      lines.push(
        '  (reading the schema through reflection was refused)\n  fix: pass the schema with --proto FILE... or --protoset FILE..., or ask for a role that may use grpc.reflection',
      );
  }
  if (status.code === Status.RESOURCE_EXHAUSTED && /larger than max/i.test(status.details)) {
    lines.push(
      `  fix: accept larger messages with --max-msg-sz BYTES (now ${context.maxMessageBytes ?? 'the default 4 MiB'}), e.g. --max-msg-sz 16MiB`,
    );
  }
  console.error(lines.join('\n'));
  return new ExitWith(EXIT.GRPC_STATUS_BASE + status.code);
}

function isStatusError(err: unknown): err is StatusLike {
  return typeof (err as { code?: unknown })?.code === 'number' && typeof (err as { details?: unknown }).details === 'string';
}

/** Turns the errors of a calling command into a message and an ExitWith; anything else is returned for main(). */
export async function rpcFailure(err: unknown, context: FailureContext): Promise<unknown> {
  if (err instanceof ExitWith) return err;
  if (err instanceof CallEnded) return statusExit(err.status, context);
  if (err instanceof ConnectionError) {
    // The same diagnosis doctor gives; doctor then shows every step, and the ones that pass.
    console.error(
      `certrpc: ${describeForCli(err)}\n  run: ${context.doctorCommand}   (checks each step: connect, TLS, both certificates, WhoAmI, health)`,
    );
    return new ExitWith(EXIT.ERROR);
  }
  if (err instanceof SymbolNotFoundError) {
    const guess = err.suggestions.length > 0 ? `\n  did you mean ${err.suggestions.join(' or ')}?` : '';
    console.error(`certrpc: ${err.message}${guess}\n  fix: run certrpc list ADDR (and certrpc list ADDR SERVICE) to see what there is`);
    return new ExitWith(EXIT.ERROR);
  }
  if (err instanceof ReflectionLookupError) {
    console.error(`certrpc: reflection failed: ${statusName(err.status)}: ${printable(err.message)}`);
    return new ExitWith(EXIT.ERROR);
  }
  if (isStatusError(err)) return statusExit(err, context);
  return err;
}
