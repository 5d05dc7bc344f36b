// The audit log (gRFC A59 in spirit): one JSON line per decision of the call gate, saying who
// (peer address, CN, SPIFFE ID, serial, roles) tried what (method) and what was decided by which
// rule. Never message bodies, metadata values or keys: only what the certificate and policy say.
import { fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SonicBoom from 'sonic-boom';
import { status as Status } from '@grpc/grpc-js';
import { LineBatch, LineBatchOptions } from '../log/line-batch';
import type { CallContext, CallObserver, Rejection } from '../gate/call-context';
import { DECISION } from './authorization-stage';
import type { Decision } from './decision';
import type { PeerIdentity } from '../gate/peer-identity';
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
  /** Queues a decision line given as its fields' text (auditFieldsText): what the observer writes. */
  writeFieldsText(fields: string): void;
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

/** What starts every audit line: level, time, name (pino's first keys, in its order). */
function lineHead(time: number): string {
  return `{"level":30,"time":"${isoTime(time)}","name":"certrpc-audit",`;
}

/** A decision line's own fields, after the head: who (the caller) and what (method, decision, rule...). */
export function auditFieldsText(r: AuditRecord): string {
  return (
    callerText(r.peer, r.cn, r.spiffeId, r.serial, r.fingerprint, r.roles) +
    decisionText(r.method, r.decision, r.rule, r.reason, r.code, r.policy, r.generation)
  );
}

function callerText(
  peer: string,
  cn: string | null,
  spiffeId: string | null,
  serial: string | null,
  fingerprint: string | null,
  roles: readonly string[],
): string {
  return `"peer":${json(peer)},"cn":${json(cn)},"spiffeId":${json(spiffeId)},"serial":${json(serial)},"fingerprint":${json(fingerprint)},"roles":${json(roles)},`;
}

function decisionText(
  method: string,
  decision: string,
  rule: string | null,
  reason: string,
  code: number,
  policy: string | null,
  generation: number | null,
): string {
  return `"method":${json(method)},"decision":${json(decision)},"rule":${json(rule)},"reason":${json(reason)},"code":${json(code)},"policy":${json(policy)},"generation":${json(generation)},"msg":"authorization decision"}\n`;
}

/**
 * One JSON line, in the shape pino gives its lines (level 30 = info, ISO time; same keys in the same
 * order). Built by hand around JSON.stringify of each value rather than by a logger: pino's generic
 * serializer cost a third of the audit log's share of a call (docs/BENCHMARKS.md), and this record
 * has a fixed, flat shape. Every string and the roles go through JSON.stringify, so a name with
 * quotes or newlines stays inside its value.
 */
export function auditLine(r: AuditRecord, time: Date | number = Date.now()): string {
  return (typeof time === 'number' ? lineHead(time) : lineHead(time.getTime())) + auditFieldsText(r);
}

/** An audited event other than a call decision (the CA's issuances and refusals): queued like a record. */
class AuditEvent {
  constructor(
    readonly fields: Record<string, unknown>,
    readonly msg: string,
  ) {}
}

/** A queued entry: a decision line's fields as text (the observer's), a record, or another event. */
type AuditEntry = string | AuditRecord | AuditEvent;

function auditEntryLine(entry: AuditEntry, time: number): string {
  if (typeof entry === 'string') return lineHead(time) + entry;
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
  // Synchronous writes (sonic-boom, pino's writer, retries partial writes and EAGAIN): a flush leaves nothing behind.
  const stream = new SonicBoom({ fd: toStderr ? 2 : openPrivateLog(destination), sync: true });
  let closed = false;
  const late = () =>
    process.emitWarning(
      `an audit entry arrived after the audit log ${toStderr ? 'on stderr' : destination} was closed; it and later ones are not written (close the interceptor or authorization only after the server has stopped)`,
      { code: 'CERTRPC_AUDIT_CLOSED' },
    );
  const batch = new LineBatch<AuditEntry>(auditEntryLine, (text) => stream.write(text), options, late);
  process.on('exit', batch.flush);
  return {
    write: batch.push,
    writeFieldsText: batch.push,
    writeEvent: (fields, msg) => batch.push(new AuditEvent(fields, msg)),
    flush: batch.flush,
    destination,
    close: () => {
      if (closed) return;
      closed = true;
      batch.close();
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
 *
 * Of a line, only the time changes from call to call of one caller: who it is (peer, identity,
 * roles) is fixed per connection, and what was decided is one shared, frozen Decision per role
 * list and method (compiled-policy.ts). Both texts are kept (weakly: they go with their identity
 * and decision) and reused while they still match, so an audited call costs no JSON encoding and
 * no record object; the line written is the same, byte for byte (test/authz/audit-line.test.ts).
 */
export function auditObserver(options: { sink: () => AuditSink; mode: () => AuditMode }): CallObserver {
  const texts = new AuditTexts();
  return (ctx, rejection) => {
    if (!shouldAudit(options.mode(), rejection === undefined)) return;
    options.sink().writeFieldsText(texts.of(ctx, rejection, ctx.values.get(DECISION)));
  };
}

/** The last caller text per identity, the last decision text per Decision: a line's fields, reused. */
class AuditTexts {
  private readonly callers = new WeakMap<PeerIdentity, { peer: string; roles: readonly string[]; text: string }>();
  private readonly decisions = new WeakMap<Decision, { method: string; code: number; text: string }>();

  of(ctx: CallContext, rejection: Rejection | undefined, decision: Decision | undefined): string {
    const caller = ctx.caller;
    // Rejected before the identity stage knew the caller: rare, written as a whole record.
    if (!caller) return auditFieldsText(auditRecord(ctx, rejection, decision));
    return this.callerText(caller.identity, caller.peer, caller.roles) + this.decisionText(ctx.method, rejection, decision);
  }

  private callerText(identity: PeerIdentity, peer: string, roles: readonly string[]): string {
    const kept = this.callers.get(identity);
    if (kept && kept.peer === peer && kept.roles === roles) return kept.text;
    const text = callerText(
      peer,
      identity.commonName || null,
      identity.spiffeId ?? null,
      identity.serial ?? null,
      identity.fingerprint ?? null,
      roles,
    );
    // Only role lists the policy made (frozen, shared) are compared by identity: a mutable one could change.
    if (Object.isFrozen(roles)) this.callers.set(identity, { peer, roles, text });
    return text;
  }

  private decisionText(method: string, rejection: Rejection | undefined, decision: Decision | undefined): string {
    const code = rejection?.code ?? Status.OK;
    // Only a shared (frozen) decision is kept: one made for a single call (header conditions) is not seen again.
    const keep = decision !== undefined && Object.isFrozen(decision);
    const kept = keep ? this.decisions.get(decision) : undefined;
    if (kept && kept.method === method && kept.code === code) return kept.text;
    const text = decisionText(
      method,
      rejection === undefined ? 'allow' : 'deny',
      decision?.rule?.name ?? null,
      decision?.reason ?? rejection?.details ?? 'allowed',
      code,
      decision?.policyName ?? null,
      decision?.policyGeneration ?? null,
    );
    if (keep) this.decisions.set(decision, { method, code, text });
    return text;
  }
}
