// The proxy's rule kind: `connect: ["10.0.0.5:50051", "*.billing.internal:443", "10.1.0.0/16:*", "*"]`
// says which HOST:PORT targets a role may open CONNECT tunnels to. Same roles, same deny-wins order
// as method rules; a policy without connect rules allows no tunnel (deny by default).
//
// Patterns (connect-patterns.ts) and targets are compared in canonical form (connect-target.ts). A pattern is either
//   - "*", or HOST "*": any target;
//   - an ADDRESS pattern: an IP, a CIDR block, or an IPv4 wildcard such as 10.0.0.*; it matches the
//     target's addresses (an IP target's own, or every address a name resolved to);
//   - a NAME pattern (host name, wildcards allowed): it matches the name the client asked for, never
//     an address.
// A name target is decided on its name AND on every address it resolves to (resolved once, by the
// proxy, which then connects to exactly the addresses decided here):
//   - denied if a deny rule matches the name or ANY of its addresses (a deny on 127.0.0.0/8 catches
//     every name that resolves there), or if it resolves to the unspecified address;
//   - allowed if an allow rule matches the name (all its addresses may be used: resolution never
//     turns a name allow into a deny, only a deny rule does), or else if allow rules match some of
//     its addresses (only those are used);
//   - otherwise denied.
import type { CompiledPolicy } from './compiled-policy';
import { connectMatcher, PatternMatcher } from './connect-patterns';
import { canonicalAddress, canonicalTarget, ConnectTarget, formatTarget, isUnspecified } from './connect-target';
import { describeIdentity, PeerIdentity } from '../gate/peer-identity';
import { ANY_CALLER, RuleModel } from './policy-model';

export { connectPatternProblem } from './connect-patterns';
export { formatTarget, parseConnectTarget } from './connect-target';
export type { ConnectTarget } from './connect-target';

export interface ConnectRule {
  name: string;
  effect: 'allow' | 'deny';
  anyCaller: boolean;
  roles: ReadonlySet<string>;
  patterns: readonly string[];
  matchers: readonly PatternMatcher[];
}

export interface ConnectDecision {
  allowed: boolean;
  /** The canonical target, "host:port". */
  target: string;
  roles: readonly string[];
  /** The rule that decided, if one did. */
  rule?: string;
  /** For the 403 answer and the audit log: who, what, why. */
  reason: string;
  /** Every address the decision was made on: an IP target's own, or what a name resolved to. */
  resolved: readonly string[];
  /** When allowed: the addresses the tunnel may connect to, in the resolver's order (nothing else). */
  connectTo: readonly string[];
  /** A name whose decision depends on its addresses: resolve it once, then decide again with them. */
  needsAddresses?: boolean;
}

const compiled = new WeakMap<CompiledPolicy, ConnectRule[]>();

/** The policy's connect rules, compiled once per policy (a reload is a new CompiledPolicy). */
export function connectRulesOf(policy: CompiledPolicy): ConnectRule[] {
  let rules = compiled.get(policy);
  if (!rules) {
    rules = policy.model.rules.filter((r): r is RuleModel & { connect: string[] } => (r.connect?.length ?? 0) > 0).map(compileConnectRule);
    compiled.set(policy, rules);
  }
  return rules;
}

function compileConnectRule(rule: RuleModel & { connect: string[] }): ConnectRule {
  return {
    name: rule.name,
    effect: rule.effect,
    anyCaller: rule.roles.includes(ANY_CALLER),
    roles: new Set(rule.roles),
    patterns: rule.connect,
    matchers: rule.connect.map(connectMatcher),
  };
}

/**
 * Decides one tunnel (see the semantics at the top). `addresses` are what the target's name
 * resolved to; without them a name is decided as far as its name allows, and `needsAddresses` asks
 * for them. IP targets never need them.
 */
export function decideConnect(
  policy: CompiledPolicy,
  identity: PeerIdentity,
  requested: ConnectTarget,
  addresses?: readonly string[],
): ConnectDecision {
  const roles = policy.rolesOf(identity);
  const who = `${describeIdentity(identity)} (roles: ${roles.length ? roles.join(', ') : 'none'})`;
  const target = canonicalTarget(requested);
  if ('problem' in target)
    return {
      allowed: false,
      target: formatTarget(requested),
      roles,
      reason: `${who} may not open a tunnel: ${target.problem}`,
      resolved: [],
      connectTo: [],
    };
  const where = formatTarget(target);
  const { port } = target;
  const isName = target.kind === 'name';
  const resolved = isName ? canonicalAddresses(addresses) : [target.host];
  const rules = connectRulesOf(policy);
  const held = rules.filter((r) => r.anyCaller || roles.some((role) => r.roles.has(role)));
  const denies = held.filter((r) => r.effect === 'deny');
  const allows = held.filter((r) => r.effect === 'allow');
  const byName = (r: ConnectRule) => isName && r.matchers.some((m) => m.name(target.host, port));
  const byAddress = (r: ConnectRule, a: string) => r.matchers.some((m) => m.address(a, port));
  const deny = (rule: string | undefined, why: string, shown = where): ConnectDecision => ({
    allowed: false,
    target: where,
    roles,
    rule,
    reason: `${who} may not open a tunnel to ${shown}: ${why}`,
    resolved: resolved ?? [],
    connectTo: [],
  });
  const resolvesTo = resolved?.length && isName ? `${where} (resolves to ${resolved.join(', ')})` : where;

  const deniedByName = denies.find(byName);
  if (deniedByName) return deny(deniedByName.name, `denied by rule "${deniedByName.name}"`);
  if (rules.length === 0) return deny(undefined, `the policy "${policy.name}" has no connect rules, so this proxy allows no tunnels`);
  const allowedByName = allows.find(byName);
  if (resolved === undefined) {
    // Resolve only when the addresses can change the answer: never for a caller no rule could allow.
    if (allowedByName || allows.some((r) => r.matchers.some((m) => m.anyAddress(port))))
      return { ...deny(undefined, 'not decided before its name is resolved'), needsAddresses: true };
    return deny(undefined, hint(rules, target, where));
  }
  if (resolved.length === 0) return deny(undefined, 'the name resolved to no address');
  const unspecified = resolved.find(isUnspecified);
  if (unspecified)
    return deny(undefined, `it resolves to ${unspecified}, the unspecified address, which reaches the proxy host itself`, resolvesTo);
  for (const address of resolved) {
    const rule = denies.find((r) => byAddress(r, address));
    if (rule) return deny(rule.name, `denied by rule "${rule.name}"${isName ? ` for ${address}` : ''}`, resolvesTo);
  }
  if (allowedByName)
    return {
      allowed: true,
      target: where,
      roles,
      rule: allowedByName.name,
      reason: `allowed by rule "${allowedByName.name}"`,
      resolved,
      connectTo: resolved,
    };
  const allowed = resolved.map((a) => ({ a, rule: allows.find((r) => byAddress(r, a)) })).filter((x) => x.rule);
  if (allowed.length > 0) {
    const rule = allowed[0].rule!.name;
    return {
      allowed: true,
      target: where,
      roles,
      rule,
      reason: `allowed by rule "${rule}"${isName ? ` for ${allowed.map((x) => x.a).join(', ')}` : ''}`,
      resolved,
      connectTo: allowed.map((x) => x.a),
    };
  }
  return deny(undefined, hint(rules, target, where, resolved), resolvesTo);
}

/** Which roles could open this tunnel, for the denial sentence. */
function hint(rules: ConnectRule[], target: ConnectTarget, where: string, resolved: readonly string[] = []): string {
  const matching = rules.filter(
    (r) =>
      r.effect === 'allow' &&
      r.matchers.some(
        (m) => (target.kind === 'name' && m.name(target.host, target.port)) || resolved.some((a) => m.address(a, target.port)),
      ),
  );
  // No rule of every caller ever matches here: the caller holds it, so it would have allowed the tunnel.
  const roles = [...new Set(matching.flatMap((r) => [...r.roles]))];
  return roles.length ? `tunnels there are allowed for roles ${roles.join(', ')}` : `no connect rule allows ${where}`;
}

/** Resolved addresses in canonical form, duplicates dropped; anything that is not an address is dropped too. */
function canonicalAddresses(addresses: readonly string[] | undefined): string[] | undefined {
  if (addresses === undefined) return undefined;
  const out: string[] = [];
  for (const a of addresses) {
    const c = canonicalAddress(a);
    if (!('problem' in c) && !out.includes(c.host)) out.push(c.host);
  }
  return out;
}
