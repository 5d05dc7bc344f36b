// Which roles a certificate holds. Exact patterns are looked up in one map per certificate field;
// only wildcard patterns are tried one by one, and the answer is cached per certificate fingerprint
// (a policy reload builds a new resolver, so the cache never outlives the policy it came from).
import type { PeerIdentity } from './identity';
import { PrincipalField, RoleModel } from './policy-model';
import { hasWildcard, ValueMatcher, wildcardMatcher } from './wildcard';

/** Why a certificate holds a role: which field matched which pattern. */
export interface RoleGrant {
  role: string;
  field: PrincipalField;
  pattern: string;
  /** The certificate's value that matched. */
  value: string;
}

interface WildcardEntry {
  field: PrincipalField;
  pattern: string;
  matches: ValueMatcher;
  role: number;
}

// DNS names compare case-insensitively; everything else is compared as written.
const foldCase = (field: PrincipalField) => field === 'dns';

/** The certificate's values for one field. */
export function identityValues(identity: PeerIdentity, field: PrincipalField): readonly string[] {
  switch (field) {
    case 'cn':
      return identity.commonName ? [identity.commonName] : [];
    case 'dns':
      return identity.dnsNames;
    case 'uri':
      return identity.uris;
    case 'spiffe':
      return identity.spiffeId ? [identity.spiffeId] : [];
    case 'email':
      return identity.emails;
    case 'subject':
      return identity.subject !== undefined ? [identity.subject] : [];
  }
}

const FIELDS: readonly PrincipalField[] = ['cn', 'dns', 'uri', 'spiffe', 'email', 'subject'];

export class RoleResolver {
  readonly roleNames: readonly string[];
  private readonly exact = new Map<PrincipalField, Map<string, number[]>>();
  private readonly wildcards: WildcardEntry[] = [];
  private readonly cache = new Map<string, readonly string[]>();

  constructor(
    roles: readonly RoleModel[],
    private readonly cacheCapacity = 10_000,
  ) {
    this.roleNames = roles.map((r) => r.name);
    roles.forEach((role, index) => {
      for (const { field, pattern } of role.principals) {
        if (hasWildcard(pattern)) {
          this.wildcards.push({ field, pattern, role: index, matches: wildcardMatcher(pattern, { ignoreCase: foldCase(field) }) });
          continue;
        }
        const key = foldCase(field) ? pattern.toLowerCase() : pattern;
        let byValue = this.exact.get(field);
        if (!byValue) this.exact.set(field, (byValue = new Map()));
        const holders = byValue.get(key);
        if (holders) holders.push(index);
        else byValue.set(key, [index]);
      }
    });
  }

  /** The roles this certificate holds, in policy order; cached per fingerprint. The array is frozen. */
  rolesOf(identity: PeerIdentity): readonly string[] {
    const hit = this.cache.get(identity.fingerprint);
    if (hit) return hit;
    const roles = Object.freeze([...new Set(this.grants(identity).map((g) => g.role))]);
    if (this.cache.size >= this.cacheCapacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(identity.fingerprint, roles);
    return roles;
  }

  /** Every (role, field, pattern) that matches, in policy order: what `policy explain` prints. Not cached. */
  grants(identity: PeerIdentity): RoleGrant[] {
    const found: (RoleGrant & { index: number })[] = [];
    for (const field of FIELDS) {
      const byValue = this.exact.get(field);
      if (!byValue) continue;
      for (const value of identityValues(identity, field)) {
        for (const index of byValue.get(foldCase(field) ? value.toLowerCase() : value) ?? []) {
          found.push({ index, role: this.roleNames[index], field, pattern: value, value });
        }
      }
    }
    for (const w of this.wildcards) {
      const value = identityValues(identity, w.field).find((v) => w.matches(v));
      if (value !== undefined) found.push({ index: w.role, role: this.roleNames[w.role], field: w.field, pattern: w.pattern, value });
    }
    return found.sort((a, b) => a.index - b.index).map(({ role, field, pattern, value }) => ({ role, field, pattern, value }));
  }
}
