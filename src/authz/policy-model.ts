// The policy as certrpc understands it, whichever file format it came from (certrpc YAML or a
// gRFC A43 JSON policy). Parsing produces this; compiled-policy.ts indexes it for decisions.

/** Which certificate field a principal pattern is matched against. */
export type PrincipalField = 'cn' | 'dns' | 'uri' | 'spiffe' | 'email' | 'subject';

/** One way to hold a role: e.g. { field: 'cn', pattern: 'svc-*.prod' }. */
export interface PrincipalPattern {
  field: PrincipalField;
  /** Exact text, or with `*` wildcards in the policy format's syntax (see wildcard.ts). */
  pattern: string;
  /** Only certificates signed by a CA with this subject, as `cert inspect` prints it (canonical form). */
  issuer?: string;
  /** Only certificates signed by the CA certificate with this SHA-256 fingerprint ("AB:CD:...", upper case). */
  issuerFingerprint?: string;
}

/** Where something was written, so messages and `policy explain` can point at it. */
export interface SourceLocation {
  file?: string;
  line?: number;
}

export interface RoleModel {
  name: string;
  principals: PrincipalPattern[];
  source?: SourceLocation;
  /** Where in the parsed document it was written (policy-file.ts turns it into source.line). */
  at?: PropertyKey[];
}

/** A header condition as in A43: the header must be present with one of the values (wildcards allowed). */
export interface HeaderCondition {
  /** Lower-case header name. */
  key: string;
  values: string[];
}

/** Every authenticated caller, with or without a role. Spelled `"*"` in `roles:`. */
export const ANY_CALLER = '*';

export interface RuleModel {
  name: string;
  effect: 'allow' | 'deny';
  /** Role names, or [ANY_CALLER]. */
  roles: string[];
  /**
   * What the rule is about. `methods` are gRPC paths: "/pkg.Svc/Method", "/pkg.Svc/*" or "*" (A43
   * policies may also use other prefix/suffix patterns). A rule without `methods` is of another
   * kind (e.g. a proxy `connect` rule) and never decides a gRPC call.
   */
  methods?: string[];
  /** A proxy `connect` rule: HOST:PORT patterns the roles may open CONNECT tunnels to (authz/connect-rules.ts). */
  connect?: string[];
  /** All must hold (AND); each lists acceptable values (OR). */
  headers?: HeaderCondition[];
  source?: SourceLocation;
  /** Where in the parsed document it was written (policy-file.ts turns it into source.line). */
  at?: PropertyKey[];
}

/** A59's audit conditions, in certrpc's spelling (A59's NONE / ON_DENY / ON_ALLOW / ON_DENY_AND_ALLOW are accepted too). */
export type AuditMode = 'none' | 'on_deny' | 'on_allow' | 'all';

export const AUDIT_MODES: readonly AuditMode[] = ['none', 'on_deny', 'on_allow', 'all'];

export interface AuditSettings {
  mode?: AuditMode;
  /** "stderr" or a file path (relative paths are relative to the policy file). */
  destination?: string;
}

export interface PolicyModel {
  name: string;
  format: 'certrpc' | 'a43' | 'builtin';
  roles: RoleModel[];
  rules: RuleModel[];
  audit: AuditSettings;
  /** The file it was read from, if any. */
  file?: string;
}

/** Maps A59's names and certrpc's to an AuditMode; undefined if neither. */
export function parseAuditMode(text: string): AuditMode | undefined {
  const t = text.trim().toLowerCase().replace(/-/g, '_');
  if (t === 'on_deny_and_allow' || t === 'all') return 'all';
  return (AUDIT_MODES as readonly string[]).includes(t) ? (t as AuditMode) : undefined;
}

export function describeSource(source: SourceLocation | undefined): string {
  if (!source?.file) return source?.line ? `line ${source.line}` : '';
  return source.line ? `${source.file}:${source.line}` : source.file;
}
