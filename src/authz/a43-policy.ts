// gRFC A43 "gRPC authorization policy" JSON, accepted as Go, C++ and Java gRPC users write it
// (plus A59's audit_logging_options), translated to certrpc's PolicyModel:
// - each rule's source.principals become a role named after the rule; a principal matches a URI
//   SAN, else a DNS SAN, else the subject ("CN=alice,O=Acme"), exact or with A43's * patterns;
// - a rule without principals applies to every authenticated caller;
// - request.paths become methods (none = every method); request.headers become header conditions;
// - deny_rules are evaluated first, then allow_rules, then deny: the same order certrpc uses.
import { z } from 'zod';
import { checkHeaderKey } from './header-conditions';
import { ANY_CALLER, AuditMode, PolicyModel, RoleModel, RuleModel } from './policy-model';
import { AllowedKeys, fromZodIssues, PathIssue } from './schema-issues';

const a43Rule = z
  .object({
    name: z.string().min(1),
    source: z.object({ principals: z.array(z.string()).optional() }).strict().optional(),
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
const auditLogger = z.object({ name: z.string(), config: z.record(z.string(), z.unknown()).optional(), is_optional: z.boolean().optional() }).strict();

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

const AUDIT_MODE: Record<(typeof A59_CONDITIONS)[number], AuditMode> = { NONE: 'none', ON_DENY: 'on_deny', ON_ALLOW: 'on_allow', ON_DENY_AND_ALLOW: 'all' };

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
  for (const [list, effect, entries] of lists) {
    const seen = new Set<string>();
    entries.forEach((r, i) => {
      if (seen.has(r.name)) issues.push({ path: [list, i, 'name'], message: `"${r.name}" names two rules in ${list}`, fix: 'A43 rule names must be unique within a list' });
      seen.add(r.name);
      (r.request?.headers ?? []).forEach((h, j) => {
        const problem = checkHeaderKey(h.key);
        if (problem) issues.push({ path: [list, i, 'request', 'headers', j, 'key'], message: problem.message, fix: problem.fix });
      });
      const principals = r.source?.principals ?? [];
      // Deny and allow lists may reuse a name; the role of a deny rule is prefixed to keep them apart.
      const roleName = effect === 'deny' ? `deny:${r.name}` : r.name;
      if (principals.length > 0) {
        roles.push({ name: roleName, principals: principals.flatMap((pattern) => (['uri', 'dns', 'subject'] as const).map((field) => ({ field, pattern }))) });
      }
      const paths = r.request?.paths ?? [];
      rules.push({
        name: r.name,
        effect,
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
