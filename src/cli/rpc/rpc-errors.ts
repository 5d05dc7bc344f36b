// What list, describe and call print when something goes wrong, and the exit code (grpcurl's):
// 1 for a refused connection or an unknown symbol, 64 + N when the server ends a call with status N.
import { status as Status, StatusObject } from '@grpc/grpc-js';
import { ConnectionError } from '../../client/connection';
import { ReflectionLookupError } from '../../client/reflection-client';
import { SymbolNotFoundError } from '../../client/schema';
import { EXIT, ExitWith } from '../exit-codes';

export type RpcPhase = 'reflection' | 'call';

export function statusName(code: number): string {
  return Status[code] ?? `STATUS_${code}`;
}

/** Prints a non-OK status ("certrpc: PERMISSION_DENIED (7): ...") and returns the exit to leave with. */
export function statusExit(status: Pick<StatusObject, 'code' | 'details'>, phase: RpcPhase = 'call'): ExitWith {
  const lines = [`certrpc: ${statusName(status.code)} (${status.code}): ${status.details}`];
  if (phase === 'reflection') {
    if (status.code === Status.UNIMPLEMENTED) lines.push('  the server does not offer reflection\n  fix: pass the schema with --proto FILE... [--import-path DIR...]');
    else if (status.code === Status.PERMISSION_DENIED) lines.push('  (reading the schema through reflection was refused)\n  fix: pass the schema with --proto FILE..., or ask for a role that may use grpc.reflection');
  }
  console.error(lines.join('\n'));
  return new ExitWith(EXIT.GRPC_STATUS_BASE + status.code);
}

function isStatusError(err: unknown): err is { code: number; details: string } {
  return typeof (err as { code?: unknown })?.code === 'number' && typeof (err as { details?: unknown }).details === 'string';
}

/** Turns the errors of a calling command into a message and an ExitWith; anything else is rethrown for main(). */
export function rpcFailure(err: unknown, phase: RpcPhase): unknown {
  if (err instanceof ExitWith) return err;
  if (err instanceof ConnectionError) {
    console.error(`certrpc: ${err.message}`);
    return new ExitWith(EXIT.ERROR);
  }
  if (err instanceof SymbolNotFoundError) {
    console.error(`certrpc: ${err.message}\n  fix: run certrpc list ADDR (and certrpc list ADDR SERVICE) to see what there is`);
    return new ExitWith(EXIT.ERROR);
  }
  if (err instanceof ReflectionLookupError) {
    console.error(`certrpc: reflection failed: ${statusName(err.status)}: ${err.message}`);
    return new ExitWith(EXIT.ERROR);
  }
  if (isStatusError(err)) return statusExit(err, phase);
  return err;
}
