// An authorization decision and the sentence a human reads when it is a denial: who, with which
// roles, may not call what, and what would have been allowed, so the fix is obvious.
import type { CompiledHeaderCondition } from './header-conditions';
import { describeIdentity, PeerIdentity } from '../gate/peer-identity';
import type { CompiledRule } from './method-index';
import { ANY_CALLER } from './policy-model';

export type DecisionReason =
  /** An allow rule matched and no deny rule did. */
  | 'allowed'
  /** A deny rule matched: deny wins over allow. */
  | 'denied-by-rule'
  /** Some allow rules name the method, but none for the caller's roles. */
  | 'role-not-allowed'
  /** The caller holds no role and no rule lets any caller in. */
  | 'no-roles'
  /** No allow rule names the method at all (deny by default). */
  | 'no-rule-for-method'
  /** A rule for the caller's roles matched, but a header condition did not. */
  | 'header-mismatch'
  /** No policy is loaded: only health checks and WhoAmI are allowed. */
  | 'no-policy';

export interface Decision {
  allowed: boolean;
  method: string;
  roles: readonly string[];
  reason: DecisionReason;
  /** The rule that decided: the allow rule, or the deny rule. Absent when denied by default. */
  rule?: CompiledRule;
  /** For header-mismatch: the condition that failed. */
  failedHeader?: CompiledHeaderCondition;
  /** The rules that name this method, in policy order (what the message's "allowed roles" come from). */
  candidates: readonly CompiledRule[];
  policyName: string;
  policyGeneration: number;
}

/** Roles that some allow rule for the decision's method accepts, in policy order. */
export function allowedRoles(decision: Decision): string[] {
  return [...new Set(decision.candidates.filter((r) => r.effect === 'allow').flatMap((r) => r.roleList))];
}

function rolesPhrase(roles: readonly string[]): string {
  return roles.length === 0 ? 'no roles' : `roles: ${roles.join(', ')}`;
}

function roleList(roles: readonly string[]): string {
  return roles.map((r) => (r === ANY_CALLER ? 'any caller' : r)).join(', ');
}

/**
 * The message a denied caller receives (as the PERMISSION_DENIED details) and `policy explain`
 * prints, e.g. `CN=bob (roles: reader) may not call /demo.v1.KeyValue/Put: allowed roles are admin`.
 */
export function describeDecision(decision: Decision, identity: PeerIdentity): string {
  const who = `${describeIdentity(identity)} (${rolesPhrase(decision.roles)})`;
  const { method } = decision;
  switch (decision.reason) {
    case 'allowed':
      return `${who} may call ${method}: allowed by rule "${decision.rule?.name}"`;
    case 'denied-by-rule':
      return `${who} may not call ${method}: denied by rule "${decision.rule?.name}"`;
    case 'role-not-allowed':
      return `${who} may not call ${method}: allowed roles are ${roleList(allowedRoles(decision))}`;
    case 'no-roles':
      return (
        `${who} may not call ${method}: this certificate matches no role in policy "${decision.policyName}"; ` +
        `allowed roles are ${roleList(allowedRoles(decision))} (ask the policy owner to grant one to ${describeIdentity(identity)})`
      );
    case 'no-rule-for-method':
      return `${who} may not call ${method}: no rule in policy "${decision.policyName}" allows this method (what is not allowed is denied)`;
    case 'header-mismatch': {
      const h = decision.failedHeader;
      return `${who} may not call ${method}: rule "${decision.rule?.name}" also requires header "${h?.key}" matching ${h?.values.join(' or ')}`;
    }
    case 'no-policy':
      return `${who} may not call ${method}: this server runs without an authorization policy, so it allows only health checks and WhoAmI (its operator must give it one)`;
  }
}
