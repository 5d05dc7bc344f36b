// certrpc's YAML policy format: the schema (zod) each field is checked against, and the keys each
// place accepts (for "did you mean"). The checks that span fields and the translation to the
// PolicyModel are in certrpc-policy.ts. See policy.yaml for an example.
import { z } from 'zod';
import { canonicalDistinguishedName } from '../pki/distinguished-name';
import { normalizeFingerprint } from '../gate/issuing-ca';
import { connectPatternProblem } from './connect-rules';
import { PrincipalField } from './policy-model';
import { POLICY_LIMITS } from './policy-limits';
import { AllowedKeys } from '../text/schema-issues';
import { hasWildcard } from './wildcard';

const IDENT = '[A-Za-z_][A-Za-z0-9_]*';
const METHOD = new RegExp(`^/${IDENT}(?:\\.${IDENT})*/(?:${IDENT}|\\*)$`);
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

export const PRINCIPAL_KEYS = ['cn', 'dns', 'uri', 'spiffe', 'email'] as const satisfies readonly PrincipalField[];
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
