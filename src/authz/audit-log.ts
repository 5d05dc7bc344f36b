// The audit log (gRFC A59 in spirit): one JSON line per decision of the call gate, saying who
// (peer address, CN, SPIFFE ID, serial, roles) tried what (method) and what was decided by which
// rule. Never message bodies, metadata values or keys: only what the certificate and policy say.
import { fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import pino from 'pino';
import { status as Status } from '@grpc/grpc-js';
import { LineBatch, LineBatchOptions } from '../log/line-batch';
import type { CallContext, CallObserver, Rejection } from '../gate/call-context';
import { DECISION } from './authorization-stage';
import type { Decision } from './decision';
import { AuditMode } from './policy-model';

export const AUDIT_STDERR = 'stderr';

/** One audit line's fields (each line also has level, time, name and msg, as pino writes them). */
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
  /** Queues the line; it is written within the sink's maxDelayMs (log/line-batch.ts). */
  write(record: AuditRecord): void;
  /** Another audited event than a call decision (the CA's issuances and refusals): one JSON line, the same shape. */
  writeEvent(fields: Record<string, unknown>, msg: string): void;
  /** Writes every queued line now. */
  flush(): void;
  destination: string;
  close(): void;
}

const json = JSON.stringify;
let lastTime = { ms: Number.NaN, iso: '' };

/** ISO time of a line; lines of the same millisecond share one string. */
function isoTime(ms: number): string {
  if (ms !== lastTime.ms) lastTime = { ms, iso: new Date(ms).toISOString() };
  return lastTime.iso;
}

/**
 * One JSON line, in the shape pino gives its lines (level 30 = info, ISO time; same keys in the same
 * order). Built by hand around JSON.stringify of each value rather than by a logger: pino's generic
 * serializer cost a third of the audit log's share of a call (docs/BENCHMARKS.md), and this record
 * has a fixed, flat shape. Every string and the roles go through JSON.stringify, so a name with
 * quotes or newlines stays inside its value.
 */
export function auditLine(r: AuditRecord, time: Date | number = Date.now()): string {
  const iso = typeof time === 'number' ? isoTime(time) : time.toISOString();
  return (
    `{"level":30,"time":"${iso}","name":"certrpc-audit","peer":${json(r.peer)},"cn":${json(r.cn)},"spiffeId":${json(r.spiffeId)},` +
    `"serial":${json(r.serial)},"fingerprint":${json(r.fingerprint)},"roles":${json(r.roles)},"method":${json(r.method)},` +
    `"decision":${json(r.decision)},"rule":${json(r.rule)},"reason":${json(r.reason)},"code":${json(r.code)},"policy":${json(r.policy)},` +
    `"generation":${json(r.generation)},"msg":"authorization decision"}\n`
  );
}

/** An audited event other than a call decision (the CA's issuances and refusals): queued like a record. */
class AuditEvent {
  constructor(
    readonly fields: Record<string, unknown>,
    readonly msg: string,
  ) {}
}

function auditEntryLine(entry: AuditRecord | AuditEvent, time: number): string {
  if (!(entry instanceof AuditEvent)) return auditLine(entry, time);
  return `${json({ level: 30, time: isoTime(time), name: 'certrpc-audit', ...entry.fields, msg: entry.msg })}\n`;
}

/**
 * The audit log says who called what and when: not for every local user. A new file is made 0600
 * (its directory 0750); an existing one keeps its owner and group bits (0640 for a log group is
 * fine) but loses any access for other users.
 */
function openPrivateLog(path: string): number {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const fd = openSync(path, 'a', 0o600);
  const mode = fstatSync(fd).mode & 0o777;
  if (mode & 0o007) fchmodSync(fd, mode & 0o770);
  return fd;
}

/**
 * Where audit lines go: "stderr" or a file (appended to, created with its directory if missing).
 * Lines are written behind the calls (LineBatch: within `maxDelayMs`, at most `maxPending` waiting,
 * on close and on exit); what that means for a crash, a slow disk and a failing one is in
 * log/line-batch.ts.
 */
export function openAuditSink(destination: string = AUDIT_STDERR, options: LineBatchOptions = {}): AuditSink {
  const toStderr = destination === AUDIT_STDERR;
  // Synchronous writes (sonic-boom retries partial writes and EAGAIN): a flush leaves nothing behind.
  const stream = pino.destination({ dest: toStderr ? 2 : openPrivateLog(destination), sync: true });
  const batch = new LineBatch<AuditRecord | AuditEvent>(auditEntryLine, (text) => stream.write(text), options);
  process.on('exit', batch.flush);
  return {
    write: batch.push,
    writeEvent: (fields, msg) => batch.push(new AuditEvent(fields, msg)),
    flush: batch.flush,
    destination,
    close: () => {
      batch.flush();
      process.off('exit', batch.flush);
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
 * stage), filtered by the current audit mode. `sink()` and `mode()` are read per call, so a
 * policy reload can change both.
 */
export function auditObserver(options: { sink: () => AuditSink; mode: () => AuditMode }): CallObserver {
  return (ctx, rejection) => {
    if (!shouldAudit(options.mode(), rejection === undefined)) return;
    options.sink().write(auditRecord(ctx, rejection, ctx.values.get(DECISION)));
  };
}
