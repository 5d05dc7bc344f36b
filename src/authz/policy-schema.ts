// certrpc's YAML policy format: the schema (zod), the checks that span fields (a rule naming a
// role that does not exist), and the translation to the PolicyModel. See policy.yaml for an example.
import { z } from 'zod';
import { canonicalDistinguishedName } from '../pki/distinguished-name';
import { normalizeFingerprint } from '../gate/issuing-ca';
import { connectPatternProblem } from './connect-rules';
import { checkHeaderKey } from './header-conditions';
import { ANY_CALLER, parseAuditMode, PolicyModel, PrincipalField, PrincipalPattern, RuleModel } from './policy-model';
import { checkCount, checkPatterns, POLICY_LIMITS } from './policy-limits';
import { AllowedKeys, fromZodIssues, PathIssue } from '../text/schema-issues';
import { hasWildcard } from './wildcard';

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const METHOD = new RegExp(`^/${IDENT}(?:\\.${IDENT})*/(?:${IDENT}|\\*)$`);
const ROLE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const METHOD_FIX =
  'write "/package.Service/Method", "/package.Service/*" (the whole service) or "*" (every method), in quotes if it starts with *';

/** Why a method pattern is wrong, in the words that lead to the fix; undefined if it is right. */
export function methodPatternProblem(pattern: string): string | undefined {
  if (pattern === '*' || METHOD.test(pattern)) return undefined;
  if (!pattern.startsWith('/') && METHOD.test(`/${pattern}`)) return `"${pattern}" lacks the leading "/"`;
  if (pattern.includes('*')) return `"${pattern}": "*" may only stand for a whole method ("/pkg.Service/*") or for everything ("*")`;
  if (/^\/[^/]+$/.test(pattern)) return `"${pattern}" has no "/" between the service and the method`;
  return `"${pattern}" is not a method pattern`;
}

const methodPattern = z.string().superRefine((value, ctx) => {
  const problem = methodPatternProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { fix: METHOD_FIX } });
});

const PRINCIPAL_KEYS = ['cn', 'dns', 'uri', 'spiffe', 'email'] as const satisfies readonly PrincipalField[];
/** Binds an entry to the CA that signed the certificate (several trusted client CAs could issue the same name). */
const ISSUER_KEYS = ['issuer', 'issuerFingerprint'] as const;
const ISSUER_FIX =
  'copy it from `certrpc cert inspect CA.crt`: the Subject line for issuer:, the SHA-256 fingerprint line for issuerFingerprint:';

const principal = z
  .object({
    ...(Object.fromEntries(PRINCIPAL_KEYS.map((k) => [k, z.string().min(1).optional()])) as Record<
      (typeof PRINCIPAL_KEYS)[number],
      z.ZodOptional<z.ZodString>
    >),
    issuer: z.string().min(1).optional(),
    issuerFingerprint: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const given = PRINCIPAL_KEYS.filter((k) => p[k] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: given.length === 0 ? 'names no certificate field' : `names ${given.join(' and ')} in one entry`,
        params: {
          fix: `give exactly one of ${PRINCIPAL_KEYS.join(', ')} per "- " entry (entries are alternatives; issuer: and issuerFingerprint: may go beside it)`,
        },
      });
    }
    if (p.spiffe !== undefined && !p.spiffe.startsWith('spiffe://')) {
      ctx.addIssue({
        code: 'custom',
        path: ['spiffe'],
        message: `"${p.spiffe}" is not a SPIFFE ID`,
        params: { fix: 'write spiffe://TRUST-DOMAIN/PATH, e.g. spiffe://corp/ns/billing/*' },
      });
    }
    if (
      p.issuer !== undefined &&
      (hasWildcard(p.issuer) || p.issuer.length > POLICY_LIMITS.maxPatternLength || !canonicalDistinguishedName(p.issuer))
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuer'],
        message: `"${p.issuer}" is not a CA subject as certrpc prints it (e.g. "CN=certrpc CA, O=Acme"; no wildcards)`,
        params: { fix: ISSUER_FIX },
      });
    }
    if (p.issuerFingerprint !== undefined && !normalizeFingerprint(p.issuerFingerprint)) {
      ctx.addIssue({
        code: 'custom',
        path: ['issuerFingerprint'],
        message: `"${p.issuerFingerprint}" is not a SHA-256 fingerprint (64 hex digits, colons optional)`,
        params: { fix: ISSUER_FIX },
      });
    }
  });

const stringList = z.array(z.string().min(1)).min(1);

const connectPattern = z.string().superRefine((value, ctx) => {
  const problem = connectPatternProblem(value);
  if (problem)
    ctx.addIssue({
      code: 'custom',
      message: problem,
      params: { fix: 'write "HOST:PORT": 10.0.0.5:50051, *.internal:443, 10.0.0.0/24:*, [::1]:50051, or "*" for any target' },
    });
});

/**
 * A rule: who (`roles`) may (or, with `effect: deny`, may not) do what. "What" is a target kind:
 * today `methods` (gRPC calls). A new kind (e.g. `connect` for the proxy) is one more optional
 * key here and in RULE_TARGETS; the method index ignores rules without `methods`.
 */
export const ruleShape = {
  name: z.string().min(1).optional(),
  effect: z.enum(['allow', 'deny']).optional(),
  roles: stringList,
  methods: z.array(methodPattern).min(1).optional(),
  headers: z.record(z.string(), z.union([z.string(), stringList])).optional(),
  /** Proxy tunnels: HOST:PORT patterns (see authz/connect-rules.ts). */
  connect: z.array(connectPattern).min(1).optional(),
};
export const RULE_TARGETS: string[] = ['methods', 'connect'];

const rule = z
  .object(ruleShape)
  .strict()
  .superRefine((r, ctx) => {
    const targets = RULE_TARGETS.filter((k) => (r as Record<string, unknown>)[k] !== undefined);
    if (targets.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: 'says nothing about what it allows',
        params: { fix: 'add methods: ["/package.Service/Method", ...], or connect: ["HOST:PORT", ...] for proxy tunnels' },
      });
    if (targets.length > 1)
      ctx.addIssue({ code: 'custom', message: `mixes ${targets.join(' and ')}`, params: { fix: 'write one rule per kind' } });
    if (r.connect && r.headers)
      ctx.addIssue({
        code: 'custom',
        path: ['headers'],
        message: 'header conditions apply to method rules only; a tunnel has no gRPC metadata',
        params: { fix: 'remove headers: from this connect rule' },
      });
  });

export const policySchema = z
  .object({
    version: z.literal(1).optional(),
    name: z.string().min(1).optional(),
    audit: z
      .object({ log: z.string().optional(), destination: z.string().min(1).optional() })
      .strict()
      .optional(),
    roles: z.record(z.string(), z.array(principal)).optional(),
    rules: z.array(rule),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policySchema>;

export const certrpcAllowedKeys: AllowedKeys = (path) => {
  if (path.length === 0) return Object.keys(policySchema.shape);
  if (path.length === 1 && path[0] === 'audit') return ['log', 'destination'];
  if (path.length === 2 && path[0] === 'rules') return Object.keys(ruleShape);
  if (path.length === 3 && path[0] === 'roles') return [...PRINCIPAL_KEYS, ...ISSUER_KEYS];
  return undefined;
};

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
