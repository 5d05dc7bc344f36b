// Which roles a certificate holds. Exact patterns are looked up in one map per certificate field;
// only wildcard patterns are tried one by one, and the answer is cached per certificate fingerprint
// (a policy reload builds a new resolver, so the cache never outlives the policy it came from).
// A principal bound to an issuer (`issuer:` / `issuerFingerprint:`) matches only a certificate
// whose verified issuing CA (PeerIdentity.issuingCa) is that one.
import type { PeerIdentity } from '../gate/peer-identity';
import { PrincipalField, PrincipalPattern, RoleModel } from './policy-model';
import { isLiteralPattern, PatternSyntax, patternMatcher, Segments, ValueMatcher } from './wildcard';

/** Why a certificate holds a role: which field matched which pattern (and which issuer binding held). */
export interface RoleGrant {
  role: string;
  field: PrincipalField;
  pattern: string;
  /** The certificate's value that matched. */
  value: string;
  issuer?: string;
  issuerFingerprint?: string;
}

interface Entry extends PrincipalPattern {
  role: number;
  matches?: ValueMatcher;
}

/**
 * certrpc YAML: DNS names compare case-insensitively, everything else as written; `*` stays within
 * the field's segments (wildcard.ts). gRFC A43: every field as written, as grpc-go compares them.
 */
const foldCase = (field: PrincipalField, syntax: PatternSyntax) => syntax === 'glob' && field === 'dns';
const SEGMENTS: Record<PrincipalField, Segments> = { cn: 'cn', dns: 'dns', uri: 'path', spiffe: 'path', email: 'email', subject: 'none' };

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

/** True when the principal has no issuer binding, or the certificate's verified issuer is the one it names. */
export function issuedAsBound(principal: PrincipalPattern, identity: PeerIdentity): boolean {
  if (principal.issuer !== undefined && identity.issuingCa?.subject !== principal.issuer) return false;
  if (principal.issuerFingerprint !== undefined && identity.issuingCa?.fingerprint !== principal.issuerFingerprint) return false;
  return true;
}

const FIELDS: readonly PrincipalField[] = ['cn', 'dns', 'uri', 'spiffe', 'email', 'subject'];

export class RoleResolver {
  readonly roleNames: readonly string[];
  private readonly exact = new Map<PrincipalField, Map<string, Entry[]>>();
  private readonly wildcards: Entry[] = [];
  private readonly cache = new Map<string, readonly string[]>();
  /** The same answers by identity object: the gate keeps one PeerIdentity per connection and certificate, so most calls end here (no key string built). */
  private readonly byIdentity = new WeakMap<PeerIdentity, readonly string[]>();
  /** Some principal names an issuer: the cache key must then include the certificate's issuer. */
  private readonly issuerBound: boolean;

  constructor(
    roles: readonly RoleModel[],
    private readonly syntax: PatternSyntax = 'glob',
    private readonly cacheCapacity = 10_000,
  ) {
    this.roleNames = roles.map((r) => r.name);
    let bound = false;
    roles.forEach((role, index) => {
      for (const principal of role.principals) {
        const entry: Entry = { ...principal, role: index };
        bound ||= principal.issuer !== undefined || principal.issuerFingerprint !== undefined;
        const { field, pattern } = principal;
        if (!isLiteralPattern(pattern, syntax)) {
          this.wildcards.push({
            ...entry,
            matches: patternMatcher(pattern, syntax, { ignoreCase: foldCase(field, syntax), segments: SEGMENTS[field] }),
          });
          continue;
        }
        const key = foldCase(field, syntax) ? pattern.toLowerCase() : pattern;
        let byValue = this.exact.get(field);
        if (!byValue) this.exact.set(field, (byValue = new Map()));
        const holders = byValue.get(key);
        if (holders) holders.push(entry);
        else byValue.set(key, [entry]);
      }
    });
    this.issuerBound = bound;
  }

  /** The roles this certificate holds, in policy order; cached per fingerprint (and issuer). The array is frozen. */
  rolesOf(identity: PeerIdentity): readonly string[] {
    const known = this.byIdentity.get(identity);
    if (known) return known;
    const roles = this.rolesByFingerprint(identity);
    this.byIdentity.set(identity, roles);
    return roles;
  }

  private rolesByFingerprint(identity: PeerIdentity): readonly string[] {
    const key = this.issuerBound ? `${identity.fingerprint}/${identity.issuingCa?.fingerprint ?? ''}` : identity.fingerprint;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const roles = Object.freeze([...new Set(this.grants(identity).map((g) => g.role))]);
    if (this.cache.size >= this.cacheCapacity) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, roles);
    return roles;
  }

  /** Every (role, field, pattern) that matches, in policy order: what `policy explain` prints. Not cached. */
  grants(identity: PeerIdentity): RoleGrant[] {
    const found: { index: number; grant: RoleGrant }[] = [];
    const grant = (e: Entry, value: string) =>
      found.push({ index: e.role, grant: { role: this.roleNames[e.role], field: e.field, pattern: e.pattern, value, ...binding(e) } });
    for (const field of FIELDS) {
      const byValue = this.exact.get(field);
      if (!byValue) continue;
      for (const value of identityValues(identity, field)) {
        for (const e of byValue.get(foldCase(field, this.syntax) ? value.toLowerCase() : value) ?? []) {
          if (issuedAsBound(e, identity)) grant(e, value);
        }
      }
    }
    for (const e of this.wildcards) {
      if (!issuedAsBound(e, identity)) continue;
      const value = identityValues(identity, e.field).find((v) => e.matches!(v));
      if (value !== undefined) grant(e, value);
    }
    return found.sort((a, b) => a.index - b.index).map((f) => f.grant);
  }
}

function binding(e: Entry): Pick<RoleGrant, 'issuer' | 'issuerFingerprint'> {
  return {
    ...(e.issuer !== undefined ? { issuer: e.issuer } : {}),
    ...(e.issuerFingerprint !== undefined ? { issuerFingerprint: e.issuerFingerprint } : {}),
  };
}
