// A policy ready to decide calls: roles resolved through RoleResolver (indexed, cached per
// certificate), rules found through MethodIndex (indexed by method). Immutable: a reload compiles a
// new one and swaps it in, so a decision never sees half of an old policy and half of a new one.
import type { Metadata } from '@grpc/grpc-js';
import { Decision } from './decision';
import { failedHeaderCondition } from './header-conditions';
import type { PeerIdentity } from '../gate/peer-identity';
import { CompiledRule, compileRule, MethodIndex } from './method-index';
import { ANY_CALLER, AuditSettings, PolicyModel } from './policy-model';
import { RoleGrant, RoleResolver } from './role-resolver';

/** Decisions kept per role list (at most this many methods each): bounded like the method index. */
const MAX_DECISIONS_PER_ROLES = 1_000;

export class CompiledPolicy {
  readonly rules: readonly CompiledRule[];
  readonly resolver: RoleResolver;
  private readonly index: MethodIndex;
  /**
   * Decisions that depend on the roles and the method alone (no header condition among the rules
   * for the method), kept per role list: role lists are frozen and shared per certificate
   * (RoleResolver), so a caller's calls reuse one Decision instead of making one each (per-call
   * garbage, docs/BENCHMARKS.md). Weak: a role list no longer in use takes its decisions with it.
   */
  private readonly decided = new WeakMap<readonly string[], Map<string, Decision>>();

  constructor(
    readonly model: PolicyModel,
    /** Counts successful loads of one policy file: 1 at start, +1 per reload. */
    readonly generation = 1,
  ) {
    const syntax = model.format === 'a43' ? 'a43' : 'glob';
    this.resolver = new RoleResolver(model.roles, syntax);
    this.rules = model.rules.map((rule, i) => compileRule(rule, i, syntax));
    this.index = new MethodIndex(
      this.rules.filter((r) => r.methods.length > 0),
      syntax,
    );
  }

  get name(): string {
    return this.model.name;
  }

  get audit(): AuditSettings {
    return this.model.audit;
  }

  /** The roles this certificate holds under this policy (cached per fingerprint). */
  rolesOf(identity: PeerIdentity): readonly string[] {
    return this.resolver.rolesOf(identity);
  }

  /** Why the certificate holds each role (uncached; for explanations). */
  grantsOf(identity: PeerIdentity): RoleGrant[] {
    return this.resolver.grants(identity);
  }

  decide(identity: PeerIdentity, method: string, metadata?: Metadata): Decision {
    return this.decideForRoles(this.resolver.rolesOf(identity), method, metadata);
  }

  /**
   * Deny rules first (any match denies), then allow rules (the first match allows), else deny.
   * Candidates are in policy order, so "the rule that decided" is always the first that matched.
   */
  decideForRoles(roles: readonly string[], method: string, metadata?: Metadata): Decision {
    let byMethod = this.decided.get(roles);
    const hit = byMethod?.get(method);
    if (hit) return hit;
    const candidates = this.index.candidates(method);
    const decision = this.decideOnce(roles, method, candidates, metadata);
    // Only role lists the resolver made (frozen, shared) are keys: a caller's own array could change.
    if (Object.isFrozen(roles) && candidates.every((r) => !r.headers)) {
      if (!byMethod) this.decided.set(roles, (byMethod = new Map()));
      if (byMethod.size < MAX_DECISIONS_PER_ROLES) byMethod.set(method, Object.freeze(decision));
    }
    return decision;
  }

  private decideOnce(
    roles: readonly string[],
    method: string,
    candidates: readonly CompiledRule[],
    metadata: Metadata | undefined,
  ): Decision {
    let allow: CompiledRule | undefined;
    let headerMiss: { rule: CompiledRule; failed: NonNullable<ReturnType<typeof failedHeaderCondition>> } | undefined;
    let anyAllowRule = false;
    for (const rule of candidates) {
      if (rule.effect === 'allow') anyAllowRule = true;
      if (!applies(rule, roles)) continue;
      if (rule.headers) {
        const failed = failedHeaderCondition(rule.headers, metadata);
        if (failed) {
          if (rule.effect === 'allow' && !headerMiss) headerMiss = { rule, failed };
          continue;
        }
      }
      if (rule.effect === 'deny') return this.decision(false, method, roles, candidates, 'denied-by-rule', rule);
      allow ??= rule;
    }
    if (allow) return this.decision(true, method, roles, candidates, 'allowed', allow);
    if (this.model.format === 'builtin') return this.decision(false, method, roles, candidates, 'no-policy');
    if (headerMiss)
      return { ...this.decision(false, method, roles, candidates, 'header-mismatch', headerMiss.rule), failedHeader: headerMiss.failed };
    if (!anyAllowRule) return this.decision(false, method, roles, candidates, 'no-rule-for-method');
    return this.decision(false, method, roles, candidates, roles.length === 0 ? 'no-roles' : 'role-not-allowed');
  }

  private decision(
    allowed: boolean,
    method: string,
    roles: readonly string[],
    candidates: readonly CompiledRule[],
    reason: Decision['reason'],
    rule?: CompiledRule,
  ): Decision {
    return { allowed, method, roles, reason, rule, candidates, policyName: this.model.name, policyGeneration: this.generation };
  }
}

function applies(rule: CompiledRule, roles: readonly string[]): boolean {
  if (rule.anyCaller) return true;
  for (let i = 0; i < roles.length; i++) if (rule.roles.has(roles[i])) return true;
  return false;
}

/**
 * The policy a server runs without one given: every call is denied except health checks and
 * WhoAmI, so a server is never open to every certificate by accident.
 */
export function defaultPolicy(): CompiledPolicy {
  return new CompiledPolicy({
    name: DEFAULT_POLICY_NAME,
    format: 'builtin',
    roles: [],
    rules: [
      {
        name: 'health-and-whoami',
        effect: 'allow',
        roles: [ANY_CALLER],
        methods: ['/grpc.health.v1.Health/*', '/certrpc.v1.Identity/WhoAmI'],
      },
    ],
    audit: { mode: 'all' },
  });
}

export const DEFAULT_POLICY_NAME = 'built-in default (no policy given)';

/**
 * The explicit opt-out of the secure default: every caller the TLS layer authenticated (a client
 * certificate from a trusted CA, not revoked) may call every method. Roles stay empty.
 */
export function allowAllAuthenticated(): CompiledPolicy {
  return new CompiledPolicy({
    name: 'allow all authenticated callers',
    format: 'builtin',
    roles: [],
    rules: [{ name: 'any-authenticated-caller', effect: 'allow', roles: [ANY_CALLER], methods: ['*'] }],
    // Every call is allowed: the audit log records only what other stages refuse (revoked, too large...).
    audit: { mode: 'on_deny' },
  });
}
