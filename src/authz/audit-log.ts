// The audit log (gRFC A59 in spirit): one JSON line per decision of the call gate, saying who
// (peer address, CN, SPIFFE ID, serial, roles) tried what (method) and what was decided by which
// rule. Never message bodies, metadata values or keys: only what the certificate and policy say.
import pino, { Logger } from 'pino';
import { status as Status } from '@grpc/grpc-js';
import type { CallContext, CallObserver, Rejection } from '../server/call-gate';
import type { Decision } from './decision';
import { AuditMode } from './policy-model';

export const AUDIT_STDERR = 'stderr';

/** One audit line's fields (pino adds level, time and msg). */
export interface AuditRecord {
  peer: string;
  cn: string | null;
  spiffeId: string | null;
  serial: string | null;
  fingerprint: string | null;
  roles: readonly string[];
  method: string;
  decision: 'allow' | 'deny';
  /** The rule that decided; null when denied by default or by an earlier stage. */
  rule: string | null;
  reason: string;
  /** The gRPC status a denied call ended with (7 PERMISSION_DENIED, 16 UNAUTHENTICATED...). */
  code: number;
  policy: string | null;
  generation: number | null;
}

export interface AuditSink {
  logger: Logger;
  destination: string;
  close(): void;
}

/** Where audit lines go: "stderr" or a file (appended to, created with its directory if missing). */
export function openAuditSink(destination: string = AUDIT_STDERR): AuditSink {
  const toStderr = destination === AUDIT_STDERR;
  // Synchronous writes: an audit line must not be lost in a buffer when the process dies.
  const stream = pino.destination({ dest: toStderr ? 2 : destination, sync: true, mkdir: !toStderr });
  const logger = pino({ name: 'certrpc-audit', level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  return {
    logger,
    destination,
    close: () => {
      if (!toStderr) stream.end();
    },
  };
}

export function shouldAudit(mode: AuditMode, allowed: boolean): boolean {
  return mode === 'all' || (allowed ? mode === 'on_allow' : mode === 'on_deny');
}

export function auditRecord(ctx: CallContext, rejection: Rejection | undefined, decision: Decision | undefined): AuditRecord {
  const identity = ctx.caller?.identity;
  const allowed = rejection === undefined;
  return {
    peer: ctx.caller?.peer ?? ctx.call.getPeer(),
    cn: identity?.commonName || null,
    spiffeId: identity?.spiffeId ?? null,
    serial: identity?.serial ?? null,
    fingerprint: identity?.fingerprint ?? null,
    roles: ctx.caller?.roles ?? [],
    method: ctx.method,
    decision: allowed ? 'allow' : 'deny',
    rule: decision?.rule?.name ?? null,
    // A rejection from another stage (identity, revocation) has no authorization decision: say why.
    reason: decision?.reason ?? rejection?.details ?? 'allowed',
    code: rejection?.code ?? Status.OK,
    policy: decision?.policyName ?? null,
    generation: decision?.policyGeneration ?? null,
  };
}

/**
 * A CallObserver that writes one line per decision the gate makes (allowed or rejected by any
 * stage), filtered by the current audit mode. `logger()` and `mode()` are read per call, so a
 * policy reload can change both.
 */
export function auditObserver(options: { logger: () => Logger; mode: () => AuditMode; decisionOf: (ctx: CallContext) => Decision | undefined }): CallObserver {
  return (ctx, rejection) => {
    if (!shouldAudit(options.mode(), rejection === undefined)) return;
    options.logger().info(auditRecord(ctx, rejection, options.decisionOf(ctx)), 'authorization decision');
  };
}
