// gRFC A43 "gRPC authorization policy" JSON, accepted as Go, C++ and Java gRPC users write it
// (plus A59's audit_logging_options), translated to certrpc's PolicyModel, following the A43 text
// and grpc-go's authz/rbac_translator.go:
// - each rule's source.principals become a role of that rule alone; a principal matches a URI
//   SAN, else a DNS SAN, else the subject ("CN=alice,O=Acme"), as written (case-sensitive);
// - `*` is A43's: "*" any non-empty value, "abc*" a prefix, "*abc" a suffix, literal elsewhere
//   (the syntax 'a43' of wildcard.ts, used for principals, paths and header values alike);
// - deny and allow rules are two separate engines in gRPC: their roles never share a name here
//   (an allow rule named "deny:x" and a deny rule named "x" are two roles, two sets of principals);
// - a rule without principals applies to every authenticated caller; "" (A43: no client
//   certificate) matches no certificate, not even one with an empty subject;
// - request.paths become methods (none = every method; a path no call can have is refused, below);
//   request.headers become header conditions
//   (A43's forbidden keys are refused; -bin keys are matched byte for byte, as grpc-go does);
// - deny_rules are evaluated first, then allow_rules, then deny: the same order certrpc uses.
// A43 has no field binding a principal to its issuing CA: with several trusted client CAs, any of
// them can issue a certificate that matches (servers and `policy check` warn: issuer-binding.ts).
import { z } from 'zod';
import { checkHeaderKey } from './header-conditions';
import { ANY_CALLER, AuditMode, PolicyModel, RoleModel, RuleModel } from './policy-model';
import { checkCount, checkPatterns, POLICY_LIMITS } from './policy-limits';
import { AllowedKeys, fromZodIssues, PathIssue } from '../text/schema-issues';
import { isLiteralPattern } from './wildcard';

const a43Rule = z
  .object({
    name: z.string().min(1),
    source: z
      .object({ principals: z.array(z.string()).optional() })
      .strict()
      .optional(),
    request: z
      .object({
        paths: z.array(z.string().min(1)).optional(),
        headers: z.array(z.object({ key: z.string().min(1), values: z.array(z.string()).min(1) }).strict()).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const A59_CONDITIONS = ['NONE', 'ON_DENY', 'ON_ALLOW', 'ON_DENY_AND_ALLOW'] as const;
const auditLogger = z
  .object({ name: z.string(), config: z.record(z.string(), z.unknown()).optional(), is_optional: z.boolean().optional() })
  .strict();

export const a43Schema = z
  .object({
    name: z.string().min(1),
    allow_rules: z.array(a43Rule),
    deny_rules: z.array(a43Rule).optional(),
    audit_logging_options: z
      .object({
        audit_condition: z.enum(A59_CONDITIONS).optional(),
        // A59's text says audit_loggers, its JSON schema audit_logger: accept both. certrpc writes its
        // own audit log (see audit-log.ts), so logger configurations are accepted and not used.
        audit_loggers: z.array(auditLogger).optional(),
        audit_logger: z.array(auditLogger).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const a43AllowedKeys: AllowedKeys = (path) => {
  if (path.length === 0) return Object.keys(a43Schema.shape);
  if (path.length === 1 && path[0] === 'audit_logging_options') return ['audit_condition', 'audit_loggers', 'audit_logger'];
  if (path.length === 2) return ['name', 'source', 'request'];
  if (path.length === 3 && path[2] === 'source') return ['principals'];
  if (path.length === 3 && path[2] === 'request') return ['paths', 'headers'];
  return undefined;
};

/** True when a parsed document looks like an A43 policy rather than a certrpc one. */
export function isA43Document(doc: unknown): boolean {
  return typeof doc === 'object' && doc !== null && ('allow_rules' in doc || 'deny_rules' in doc);
}

const AUDIT_MODE: Record<(typeof A59_CONDITIONS)[number], AuditMode> = {
  NONE: 'none',
  ON_DENY: 'on_deny',
  ON_ALLOW: 'on_allow',
  ON_DENY_AND_ALLOW: 'all',
};

export function a43PolicyFromDocument(doc: unknown, file?: string): { model: PolicyModel } | { issues: PathIssue[] } {
  const parsed = a43Schema.safeParse(doc);
  if (!parsed.success) return { issues: fromZodIssues(parsed.error.issues, a43AllowedKeys) };
  const p = parsed.data;
  const issues: PathIssue[] = [];
  const roles: RoleModel[] = [];
  const rules: RuleModel[] = [];
  const lists = [
    ['deny_rules', 'deny', p.deny_rules ?? []],
    ['allow_rules', 'allow', p.allow_rules],
  ] as const;
  const roleNames = roleNamesFor(
    p.allow_rules.map((r) => r.name),
    (p.deny_rules ?? []).map((r) => r.name),
  );
  checkA43Bounds(lists, issues);
  for (const [list, effect, entries] of lists) {
    const seen = new Set<string>();
    entries.forEach((r, i) => {
      // grpc-go keys rules by name in a map, so a second rule of the same name silently replaces
      // the first; refusing the file says so instead.
      if (seen.has(r.name))
        issues.push({
          path: [list, i, 'name'],
          message: `"${r.name}" names two rules in ${list}`,
          fix: 'A43 rule names must be unique within a list',
        });
      seen.add(r.name);
      (r.request?.headers ?? []).forEach((h, j) => {
        const problem = checkHeaderKey(h.key, 'a43');
        if (problem) issues.push({ path: [list, i, 'request', 'headers', j, 'key'], message: problem.message, fix: problem.fix });
      });
      const principals = r.source?.principals ?? [];
      const roleName = effect === 'deny' ? roleNames.deny[i] : roleNames.allow[i];
      if (principals.length > 0) {
        roles.push({
          name: roleName,
          at: [list, i],
          // A43's "" is the peer without a client certificate, which certrpc never authorizes by
          // policy; matched against a certificate it would take one with an empty subject.
          principals: principals
            .filter((pattern) => pattern !== '')
            .flatMap((pattern) => (['uri', 'dns', 'subject'] as const).map((field) => ({ field, pattern }))),
        });
      }
      const paths = r.request?.paths ?? [];
      paths.forEach((path, j) => {
        if (!canMatchAMethod(path))
          issues.push({
            path: [list, i, 'request', 'paths', j],
            message: `"${path}" can match no gRPC method (a call's path is "/package.Service/Method"), so this rule would never apply`,
            fix: 'write "/package.Service/Method", a prefix "/package.Service/*", a suffix "*/Method", or "*"',
          });
      });
      rules.push({
        name: r.name,
        effect,
        at: [list, i],
        roles: principals.length > 0 ? [roleName] : [ANY_CALLER],
        methods: paths.length > 0 ? paths : ['*'],
        headers: r.request?.headers?.map((h) => ({ key: h.key.toLowerCase(), values: h.values })),
      });
    });
  }
  if (issues.length > 0) return { issues };
  const condition = p.audit_logging_options?.audit_condition;
  return { model: { name: p.name, format: 'a43', roles, rules, audit: { mode: condition ? AUDIT_MODE[condition] : 'none' }, file } };
}

// A call's path is "/S/M" (S and M non-empty, without "/": grpc-js routes only registered methods).
// grpc-go accepts a path no call can have; a deny rule with one never denies, so certrpc refuses it.
const LITERAL_PATH = /^\/[^/]+\/[^/]+$/;
const PATH_PREFIX = /^\/(?:[^/]+(?:\/[^/]*)?)?$/;
const PATH_SUFFIX = /^\/?[^/]+(?:\/[^/]+)?$/;

/** True when some "/S/M" matches the A43 path pattern (A43's "*": whole, prefix, suffix, else literal). */
function canMatchAMethod(pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return PATH_PREFIX.test(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return PATH_SUFFIX.test(pattern.slice(1));
  return LITERAL_PATH.test(pattern);
}

/**
 * Role names for the rules' principals: an allow rule's role is the rule's name (what WhoAmI and
 * denials show); a deny rule's is "deny:NAME", or, should an allow rule already be called that,
 * "deny:NAME #2" (#3...): deny and allow never share a role.
 */
function roleNamesFor(allow: readonly string[], deny: readonly string[]): { allow: string[]; deny: string[] } {
  const taken = new Set(allow);
  return {
    allow: [...allow],
    deny: deny.map((name) => {
      let candidate = `deny:${name}`;
      for (let n = 2; taken.has(candidate); n++) candidate = `deny:${name} #${n}`;
      taken.add(candidate);
      return candidate;
    }),
  };
}

type A43Rule = z.infer<typeof a43Rule>;

function checkA43Bounds(lists: readonly (readonly [string, string, readonly A43Rule[]])[], issues: PathIssue[]): void {
  const principals: { path: PropertyKey[]; pattern: string }[] = [];
  for (const [list, , entries] of lists) {
    checkCount(issues, [list, POLICY_LIMITS.maxRules], entries.length, POLICY_LIMITS.maxRules, `rules in ${list}`);
    entries.forEach((r, i) => {
      (r.source?.principals ?? []).forEach((pattern, j) => principals.push({ path: [list, i, 'source', 'principals', j], pattern }));
      const paths = r.request?.paths ?? [];
      checkCount(
        issues,
        [list, i, 'request', 'paths', POLICY_LIMITS.maxPatternsPerRule],
        paths.length,
        POLICY_LIMITS.maxPatternsPerRule,
        'paths in one rule',
      );
      checkPatterns(
        issues,
        paths.map((pattern, j) => ({ path: [list, i, 'request', 'paths', j], pattern })),
        'a43',
      );
      const headers = r.request?.headers ?? [];
      checkCount(
        issues,
        [list, i, 'request', 'headers', POLICY_LIMITS.maxHeadersPerRule],
        headers.length,
        POLICY_LIMITS.maxHeadersPerRule,
        'headers in one rule',
      );
      headers.forEach((h, j) => {
        checkCount(
          issues,
          [list, i, 'request', 'headers', j, 'values', POLICY_LIMITS.maxPatternsPerRule],
          h.values.length,
          POLICY_LIMITS.maxPatternsPerRule,
          'values for one header',
        );
        checkPatterns(
          issues,
          h.values.map((pattern, k) => ({ path: [list, i, 'request', 'headers', j, 'values', k], pattern })),
          'a43',
        );
      });
    });
  }
  checkPatterns(issues, principals, 'a43');
  checkCount(issues, principals[POLICY_LIMITS.maxPrincipals]?.path ?? [], principals.length, POLICY_LIMITS.maxPrincipals, 'principals');
  const wildcards = principals.filter((e) => !isLiteralPattern(e.pattern, 'a43'));
  checkCount(
    issues,
    wildcards[POLICY_LIMITS.maxWildcardPrincipals]?.path ?? [],
    wildcards.length,
    POLICY_LIMITS.maxWildcardPrincipals,
    'wildcard principals',
  );
}
