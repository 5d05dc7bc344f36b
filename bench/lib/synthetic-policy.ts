// The synthetic policies the authz-decision scenario measures: 100 roles (CN, DNS and SPIFFE
// principals, 10 of them "team-N/*" patterns) and any number of rules (exact methods, whole
// services, deny rules). Kept as data so the scenario can count wrong decisions: the reference
// below reads the rules one by one, deny first, with none of CompiledPolicy's indexes or caches.
// Patterns are used only where every reading agrees (exact values; "/*" standing for one last
// path segment), so the reference does not depend on wildcard details.
import type { PeerIdentity } from '../../src/gate/peer-identity';

export const ROLES = 100;

export interface SyntheticPrincipal {
  field: 'cn' | 'dns' | 'spiffe';
  pattern: string;
}

export interface SyntheticRule {
  name: string;
  effect: 'allow' | 'deny';
  roles: string[];
  methods: string[];
}

export interface SyntheticPolicy {
  name: string;
  roles: { name: string; principals: SyntheticPrincipal[] }[];
  rules: SyntheticRule[];
}

export const serviceOf = (i: number) => `/pkg${i % 97}.v1.Service${Math.floor(i / 97)}`;

export function syntheticPolicy(rules: number): SyntheticPolicy {
  const roles = Array.from({ length: ROLES }, (_, r) => {
    const principal: SyntheticPrincipal =
      r % 10 === 9
        ? { field: 'spiffe', pattern: `spiffe://corp/ns/team-${r}/*` }
        : r % 3 === 0
          ? { field: 'dns', pattern: `svc-${r}.corp` }
          : { field: 'cn', pattern: `user-${r}` };
    return { name: `role-${r}`, principals: [principal, { field: 'cn' as const, pattern: `ops-${r}` }] };
  });
  const list: SyntheticRule[] = Array.from({ length: rules }, (_, i) => {
    const service = serviceOf(i);
    const role = `role-${i % ROLES}`;
    // Deny rules also name role-1, which the measured caller user-1 holds: the mix reaches them.
    if (i % 50 === 49) return { name: `deny-${i}`, effect: 'deny', roles: [role, 'role-1'], methods: [`${service}/Drop`] };
    if (i % 10 === 0) return { name: `svc-${i}`, effect: 'allow', roles: [role, `role-${(i + 1) % ROLES}`], methods: [`${service}/*`] };
    return { name: `rule-${i}`, effect: 'allow', roles: [role], methods: [`${service}/Method${i}`, `${service}/Get`] };
  });
  return { name: `synthetic-${rules}`, roles, rules: list };
}

/** The certrpc YAML for it (what a server would read from --policy). */
export function policyYaml(policy: SyntheticPolicy): string {
  const roles = policy.roles.map((r) => `  ${r.name}:\n${r.principals.map((p) => `    - ${p.field}: "${p.pattern}"`).join('\n')}`);
  const rules = policy.rules.map((r) => {
    const effect = r.effect === 'deny' ? '\n    effect: deny' : '';
    return `  - name: ${r.name}${effect}\n    roles: [${r.roles.join(', ')}]\n    methods: [${r.methods.map((m) => `"${m}"`).join(', ')}]`;
  });
  return `name: ${policy.name}\nroles:\n${roles.join('\n')}\nrules:\n${rules.join('\n')}\n`;
}

/** "a/*" matches "a/x" (one more segment); anything else matches itself only. */
function matches(pattern: string, value: string): boolean {
  if (!pattern.endsWith('/*')) return pattern === value;
  const prefix = pattern.slice(0, -1);
  return value.startsWith(prefix) && value.length > prefix.length && !value.slice(prefix.length).includes('/');
}

/** The roles a caller holds, by reading every principal. */
export function referenceRoles(policy: SyntheticPolicy, identity: PeerIdentity): string[] {
  const values = {
    cn: identity.commonName ? [identity.commonName] : [],
    dns: identity.dnsNames,
    spiffe: identity.spiffeId ? [identity.spiffeId] : [],
  };
  return policy.roles.filter((r) => r.principals.some((p) => values[p.field].some((v) => matches(p.pattern, v)))).map((r) => r.name);
}

/** Allowed? Any matching deny rule denies; then any matching allow rule allows; else denied. */
export function referenceDecision(policy: SyntheticPolicy, roles: readonly string[], method: string): boolean {
  const applies = (r: SyntheticRule) => r.roles.some((role) => roles.includes(role)) && r.methods.some((m) => matches(m, method));
  if (policy.rules.some((r) => r.effect === 'deny' && applies(r))) return false;
  return policy.rules.some((r) => r.effect === 'allow' && applies(r));
}
