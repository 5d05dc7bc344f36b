// What the agent does with a failure: try again later (an unreachable CA), stop trying this request
// (a refusal), or stop for good (the identity is lost: revoked, expired). Backends mark their errors
// with `transient` and `identityLost` (agent/ca-backend.ts); certrpc's CA answers gRPC statuses.
import { status as Status } from '@grpc/grpc-js';
import type { X509Certificate } from 'node:crypto';
import { PkiError, PkiErrorContext } from '../pki/errors';
import { serialHex } from '../pki/verify';
import type { Logger } from '../log/logger';
import { retryDelay } from './renewal-schedule';

/** Statuses by which the CA says no to this request as such: trying again unchanged does not help. */
const REFUSALS = new Set<number>([Status.UNAUTHENTICATED, Status.PERMISSION_DENIED, Status.INVALID_ARGUMENT, Status.FAILED_PRECONDITION]);

/** This host's certificate can never be renewed again: only a new enrollment (a new token) brings it back. */
export class IdentityLostError extends PkiError {
  readonly identityLost = true;

  constructor(message: string, context: PkiErrorContext = {}) {
    super(message, context);
    this.name = 'IdentityLostError';
  }
}

/** The CA's CRL lists this host's certificate: it can never renew itself. `fix` says where a new token comes from (`code` and `params` let the CLI word it). */
export function revokedError(
  leaf: X509Certificate,
  revoked: { revokedAt: Date; reason: string },
  where: { certFile: string; source: string } & Pick<PkiErrorContext, 'code' | 'fix' | 'params'>,
): IdentityLostError {
  return new IdentityLostError(
    `this host's certificate (serial ${serialHex(leaf)}) was revoked at ${revoked.revokedAt.toISOString()} (${revoked.reason}), according to ${where.source}: it cannot renew itself`,
    {
      file: where.certFile,
      code: where.code,
      fix: where.fix,
      params: where.params,
    },
  );
}

export function isTransient(err: unknown): boolean {
  return (err as { transient?: unknown })?.transient === true;
}

export function isIdentityLost(err: unknown): boolean {
  return (err as { identityLost?: unknown })?.identityLost === true;
}

/** Not worth trying again unchanged: the CA (or a check here) said no. */
export function isRefusal(err: unknown): boolean {
  if (isTransient(err)) return false;
  return REFUSALS.has((err as { code?: number })?.code ?? -1) || err instanceof PkiError;
}

export function describe(err: unknown): string {
  if (err instanceof PkiError) return err.message;
  const e = err as { code?: number; details?: string; message?: string };
  if (typeof e?.code === 'number' && typeof e.details === 'string') return `${Status[e.code] ?? e.code}: ${e.details}`;
  return e?.message ?? String(err);
}

/**
 * `attempt` again with backoff until it succeeds, is refused (rethrown), or `signal` aborts (then
 * undefined): a CA that is not up yet (a fleet booting) is waited for; a wrong pin or a bad file is not.
 */
export async function untilAnswered<T>(
  attempt: () => Promise<T>,
  signal: AbortSignal,
  logger: Logger,
  failed: { event: string; doing: string },
): Promise<T | undefined> {
  for (let n = 1; !signal.aborted; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (signal.aborted) return undefined; // SIGTERM while waiting for the CA: a clean stop
      if (isRefusal(err)) throw err;
      const wait = retryDelay(n, undefined);
      logger.warn(
        { event: failed.event, problem: describe(err), retryInMs: wait },
        `${failed.doing}, retrying in ${wait} ms: ${describe(err)}`,
      );
      await sleep(wait, signal);
    }
  }
  return undefined;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
