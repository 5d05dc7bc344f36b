// Authorization for a certrpc server in one call: the policy (from a file, hot-reloaded, or the
// built-in deny-by-default), the call-gate stage that decides, and the audit log that records.
//   const authz = authorization({ policyFile: 'policy.yaml', logger });
//   createServer({ ..., authorization: authz }); ... authz.close();
import { dirname, isAbsolute, resolve } from 'node:path';
import { Logger, silentLogger } from '../log/logger';
import type { CallObserver, CallStage } from '../gate/call-context';
import type { IssuingCa } from '../gate/issuing-ca';
import { AUDIT_STDERR, auditObserver, AuditSink, openAuditSink, shouldAudit } from './audit-log';
import { authorizationStage } from './authorization-stage';
import { CompiledPolicy, defaultPolicy } from './compiled-policy';
import { issuerBindingWarnings } from './issuer-binding';
import { loadPolicyFileInWorker } from './policy-parser';
import { AuditMode } from './policy-model';
import { watchPolicyFile } from './policy-watcher';
import type { FileReloader } from '../store/file-reloader';

export interface AuthorizationOptions {
  /** certrpc YAML or gRFC A43 JSON. Without it (and without `policy`): deny all but health and WhoAmI. */
  policyFile?: string;
  /** An already compiled policy, fixed for the server's life (tests, embedding). */
  policy?: CompiledPolicy;
  /** Operational log: reloads, refused edits, the no-policy warning. */
  logger?: Logger;
  /** Overrides the policy's `audit:` settings. */
  audit?: { mode?: AuditMode; destination?: string };
  /** Re-read the policy file when it changes (default true). */
  watch?: boolean;
  /** The watcher's stat fallback interval (ms). */
  reloadIntervalMs?: number;
  /** The fix the no-policy warning gives (default NO_POLICY_FIX). */
  noPolicyFix?: string;
}

export interface Authorization {
  stages: CallStage[];
  observers: CallObserver[];
  /** The policy in force now. */
  policy(): CompiledPolicy;
  /** Present when the policy comes from a watched file (tests await `watcher.nextReload()`). */
  watcher?: FileReloader<CompiledPolicy>;
  /**
   * Told the client CAs the server trusts (createServer does, at start and on every TLS reload):
   * warns once when several are trusted and principals are not bound to an issuer (issuer-binding.ts),
   * and again only when a policy reload or a new trust bundle changes what there is to say.
   */
  trustedClientCas(cas: readonly IssuingCa[]): void;
  /**
   * Writes an event to the audit log (the CA service's issuances and refused requests), under the
   * same mode as decisions: `allowed` events with on_allow/all, the others with on_deny/all.
   */
  auditEvent(fields: Record<string, unknown>, msg: string, allowed: boolean): void;
  /** Stops watching and closes an audit file. */
  close(): void;
}

export const NO_POLICY_WARNING =
  'no authorization policy given: this server denies every call except health checks (/grpc.health.v1.Health/*) and /certrpc.v1.Identity/WhoAmI';

/** What the no-policy warning tells the operator to do; the CLI says it with its flag. */
export const NO_POLICY_FIX =
  'give it a policy (policyFile, or policy: a compiled policy; allowAllAuthenticated() lets every authenticated caller call every method)';

export function authorization(options: AuthorizationOptions = {}): Authorization {
  const logger = options.logger ?? silentLogger;
  let fixed: CompiledPolicy | undefined = options.policy;
  let watcher: FileReloader<CompiledPolicy> | undefined;
  if (!fixed && options.policyFile) {
    if (options.watch === false) {
      fixed = loadPolicyFileInWorker(options.policyFile);
    } else {
      watcher = watchPolicyFile(options.policyFile, {
        logger,
        intervalMs: options.reloadIntervalMs,
        reloaded: (p) => {
          updateSink(p);
          warnAboutIssuers();
        },
      });
    }
  }
  if (!fixed && !watcher) {
    fixed = defaultPolicy();
    logger.warn({ event: 'no_policy', fix: options.noPolicyFix ?? NO_POLICY_FIX }, NO_POLICY_WARNING);
  }
  const current = (): CompiledPolicy => watcher?.current ?? fixed!;

  // The audit destination may come from the policy (relative to its file) and change on reload.
  const destinationOf = (p: CompiledPolicy): string => {
    const given = options.audit?.destination;
    if (given) return given === AUDIT_STDERR ? given : resolve(given); // a flag: relative to the working directory
    const d = p.audit.destination ?? AUDIT_STDERR;
    return d === AUDIT_STDERR || isAbsolute(d) || !p.model.file ? d : resolve(dirname(p.model.file), d);
  };
  let sink: AuditSink = openAuditSink(destinationOf(current()));
  function updateSink(p: CompiledPolicy): void {
    const next = destinationOf(p);
    if (next === sink.destination) return;
    const old = sink;
    sink = openAuditSink(next);
    old.close();
  }

  let trusted: readonly IssuingCa[] | undefined;
  let warned = '';
  function warnAboutIssuers(): void {
    if (!trusted) return;
    const warnings = issuerBindingWarnings(current().model, trusted);
    const key = JSON.stringify(warnings);
    if (key === warned) return;
    warned = key;
    for (const w of warnings) logger.warn({ event: 'policy_issuer_binding', policy: current().name, fix: w.fix }, w.message);
  }

  const policyInfo = current();
  logger.info(
    {
      policy: policyInfo.name,
      file: options.policyFile,
      roles: policyInfo.model.roles.length,
      rules: policyInfo.rules.length,
      audit: sink.destination,
    },
    'authorization policy loaded',
  );
  return {
    stages: [authorizationStage(current)],
    observers: [
      auditObserver({
        sink: () => sink,
        mode: () => options.audit?.mode ?? current().audit.mode ?? 'all',
      }),
    ],
    policy: current,
    watcher,
    trustedClientCas: (cas) => {
      trusted = cas;
      warnAboutIssuers();
    },
    auditEvent: (fields, msg, allowed) => {
      if (shouldAudit(options.audit?.mode ?? current().audit.mode ?? 'all', allowed)) sink.writeEvent(fields, msg);
    },
    close: () => {
      watcher?.close();
      sink.close();
    },
  };
}
