// certrpc's YAML policy format past the schema (policy-schema.ts): the checks that span fields (a rule
// naming a role that does not exist, two rules with one name, the load-time bounds) and the
// translation to the PolicyModel.
import { canonicalDistinguishedName } from '../pki/distinguished-name';
import { normalizeFingerprint } from '../gate/issuing-ca';
import { checkHeaderKey } from './header-conditions';
import { ANY_CALLER, parseAuditMode, PolicyModel, PrincipalPattern, RuleModel } from './policy-model';
import { checkCount, checkPatterns, POLICY_LIMITS } from './policy-limits';
import { certrpcAllowedKeys, PolicyDocument, policySchema, PRINCIPAL_KEYS } from './policy-schema';
import { fromZodIssues, PathIssue } from '../text/schema-issues';
import { hasWildcard } from './wildcard';

const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** Validates a parsed certrpc policy; returns the model or every problem found. */
export function certrpcPolicyFromDocument(doc: unknown, file?: string): { model: PolicyModel } | { issues: PathIssue[] } {
  const parsed = policySchema.safeParse(doc);
  if (!parsed.success) return { issues: fromZodIssues(parsed.error.issues, certrpcAllowedKeys) };
  const p = parsed.data;
  const issues: PathIssue[] = [];
  const roleNames = Object.keys(p.roles ?? {});
  for (const name of roleNames) {
    if (name === ANY_CALLER || !ROLE_NAME.test(name)) {
      issues.push({
        path: ['roles', name],
        key: true,
        message: `"${name}" is not a usable role name`,
        fix: 'use letters, digits, "_", ".", ":" or "-" ("*" is reserved for any caller)',
      });
    }
  }
  const known = new Set(roleNames);
  const seenNames = new Map<string, number>();
  p.rules.forEach((r, i) => {
    r.roles.forEach((role, j) => {
      if (role !== ANY_CALLER && !known.has(role)) {
        issues.push({
          path: ['rules', i, 'roles', j],
          message: `unknown role "${role}"`,
          fix: `define it under "roles:", or use one of: ${[...roleNames, `"*" (any authenticated caller)`].join(', ')}`,
        });
      }
    });
    if (r.name !== undefined) {
      const first = seenNames.get(r.name);
      if (first !== undefined)
        issues.push({
          path: ['rules', i, 'name'],
          message: `"${r.name}" is also the name of rules[${first}]`,
          fix: 'give every rule its own name (audit lines and messages cite it)',
        });
      else seenNames.set(r.name, i);
    }
    for (const key of Object.keys(r.headers ?? {})) {
      const problem = checkHeaderKey(key);
      if (problem) issues.push({ path: ['rules', i, 'headers', key], key: true, message: problem.message, fix: problem.fix });
    }
  });
  checkBounds(p, issues);
  const mode = p.audit?.log === undefined ? 'all' : parseAuditMode(p.audit.log);
  if (!mode)
    issues.push({
      path: ['audit', 'log'],
      message: `"${p.audit?.log}" is not an audit mode`,
      fix: 'write none, on_deny, on_allow or all (A59 names such as ON_DENY_AND_ALLOW work too)',
    });
  if (issues.length > 0) return { issues };

  const rules: RuleModel[] = p.rules.map((r, i) => ({
    name: r.name ?? `rules[${i}]`,
    at: ['rules', i],
    effect: r.effect ?? 'allow',
    roles: r.roles,
    methods: r.methods,
    connect: r.connect,
    headers:
      r.headers && Object.entries(r.headers).map(([key, v]) => ({ key: key.toLowerCase(), values: typeof v === 'string' ? [v] : v })),
  }));
  return {
    model: {
      name: p.name ?? 'policy',
      format: 'certrpc',
      roles: roleNames.map((name) => ({
        name,
        at: ['roles', name],
        principals: (p.roles?.[name] ?? []).map((entry): PrincipalPattern => {
          const field = PRINCIPAL_KEYS.find((k) => entry[k] !== undefined)!;
          return {
            field,
            pattern: entry[field]!,
            ...(entry.issuer !== undefined ? { issuer: canonicalDistinguishedName(entry.issuer) } : {}),
            ...(entry.issuerFingerprint !== undefined ? { issuerFingerprint: normalizeFingerprint(entry.issuerFingerprint) } : {}),
          };
        }),
      })),
      rules,
      audit: { mode, destination: p.audit?.destination },
      file,
    },
  };
}

/** The load-time bounds of policy-limits.ts, each problem at the line of the entry over it. */
function checkBounds(p: PolicyDocument, issues: PathIssue[]): void {
  const roles = Object.entries(p.roles ?? {});
  checkCount(issues, ['roles', roles[POLICY_LIMITS.maxRoles]?.[0] ?? ''], roles.length, POLICY_LIMITS.maxRoles, 'roles', true);
  checkCount(issues, ['rules', POLICY_LIMITS.maxRules], p.rules.length, POLICY_LIMITS.maxRules, 'rules');
  const principals = roles.flatMap(([name, entries]) =>
    entries.map((entry, j) => {
      const field = PRINCIPAL_KEYS.find((k) => entry[k] !== undefined) ?? 'cn';
      return { path: ['roles', name, j, field], pattern: entry[field] ?? '' };
    }),
  );
  checkPatterns(issues, principals);
  const wildcards = principals.filter((e) => hasWildcard(e.pattern));
  checkCount(
    issues,
    principals[POLICY_LIMITS.maxPrincipals]?.path ?? ['roles'],
    principals.length,
    POLICY_LIMITS.maxPrincipals,
    'principal entries',
  );
  checkCount(
    issues,
    wildcards[POLICY_LIMITS.maxWildcardPrincipals]?.path ?? ['roles'],
    wildcards.length,
    POLICY_LIMITS.maxWildcardPrincipals,
    'wildcard principal entries',
  );
  p.rules.forEach((r, i) => {
    for (const key of ['methods', 'connect'] as const) {
      const list = r[key] ?? [];
      checkCount(
        issues,
        ['rules', i, key, POLICY_LIMITS.maxPatternsPerRule],
        list.length,
        POLICY_LIMITS.maxPatternsPerRule,
        `${key} patterns in one rule`,
      );
      checkPatterns(
        issues,
        list.map((pattern, j) => ({ path: ['rules', i, key, j], pattern })),
      );
    }
    const headers = Object.entries(r.headers ?? {});
    checkCount(issues, ['rules', i, 'headers'], headers.length, POLICY_LIMITS.maxHeadersPerRule, 'header conditions in one rule');
    for (const [key, v] of headers) {
      const values = typeof v === 'string' ? [v] : v;
      checkCount(issues, ['rules', i, 'headers', key], values.length, POLICY_LIMITS.maxPatternsPerRule, 'values for one header');
      checkPatterns(
        issues,
        values.map((pattern, j) => ({
          path: typeof v === 'string' ? ['rules', i, 'headers', key] : ['rules', i, 'headers', key, j],
          pattern,
        })),
      );
    }
  });
}
