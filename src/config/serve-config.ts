// The `certrpc serve --config FILE` format: YAML whose keys are serve's flags in camelCase
// (--audit-file -> auditFile), plus `listen: HOST:PORT` and a `limits:` map (docs/LIMITS.md).
// Validated with zod; every problem is reported with its line and the fix. A new serve flag gets
// a config key by adding one line to CONFIG_FIELDS (serve-config.test.ts checks they match).
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { fromZodIssues, PathIssue } from '../text/schema-issues';
import { readUserFile } from '../store/read-file';
import { parseAddress } from '../tls/address';
import { LIMIT_NAMES, LimitName } from '../server/limits';
import { AUDIT_MODES } from '../authz/policy-model';
import { LOG_LEVELS } from '../log/logger';
import { parseMetricsAddress } from '../metrics/metrics-address';
import { parseDays, parseDuration, QuantityError } from '../text/quantities';
import { parseLimitValue } from '../server/limit-values';
import { ConfigError } from '../text/config-error';
import { locateIssue, parseYaml } from '../text/yaml-file';

export { ConfigError };

const text = z.string().min(1);
const textOrNumber = z.union([z.string().min(1), z.number()]);

/** A value checked by the parser the flag uses, so a bad value is reported at its line in the file. */
const parsedBy = (parse: (v: string | number) => unknown, fix: string) =>
  textOrNumber.superRefine((v, ctx) => {
    try {
      parse(v);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, params: { fix: err instanceof QuantityError ? err.fix : fix } });
    }
  });

/** Each key is the camelCase name of a serve flag; `path` values are relative to the config file. */
export const CONFIG_FIELDS = {
  dir: { schema: text, path: true },
  name: { schema: text },
  host: { schema: text },
  port: { schema: z.union([z.number().int().min(0).max(65535), z.string().regex(/^\d{1,5}$/)]) },
  logLevel: { schema: z.enum(LOG_LEVELS) },
  clientCa: { schema: z.union([text, z.array(text).min(1)]), path: true },
  policy: { schema: text, path: true },
  audit: { schema: z.enum(AUDIT_MODES) },
  auditFile: { schema: text, path: true },
  reflection: { schema: z.boolean() },
  demo: { schema: z.boolean() },
  expiryWarning: { schema: parsedBy((v) => parseDays(v, { min: 0 }), 'write e.g. 30d') },
  metrics: { schema: parsedBy((v) => parseMetricsAddress(String(v)), 'write a port (9464 binds 127.0.0.1), or HOST:PORT') },
  shutdownGrace: { schema: parsedBy((v) => parseDuration(v), 'write e.g. 10s') },
} as const satisfies Record<string, { schema: z.ZodType; path?: boolean }>;

export type ConfigFlag = keyof typeof CONFIG_FIELDS;
const SPECIAL_KEYS = ['listen', 'limits'] as const;
const TOP_KEYS = [...SPECIAL_KEYS, ...Object.keys(CONFIG_FIELDS)];

const schema = z.strictObject({
  listen: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      if (v === undefined) return;
      try {
        parseAddress(v);
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `"${v}" is not HOST:PORT`,
          params: { fix: 'write e.g. listen: 127.0.0.1:50051, 0.0.0.0:8443 or "[::1]:50051"' },
        });
      }
    }),
  limits: z.record(z.string(), textOrNumber).optional(),
  ...(Object.fromEntries(Object.entries(CONFIG_FIELDS).map(([k, f]) => [k, f.schema.optional()])) as {
    [K in ConfigFlag]: z.ZodOptional<(typeof CONFIG_FIELDS)[K]['schema']>;
  }),
});

/** A validated config: flag values (as the flag would give them) and limits, paths made absolute. */
export interface ServeConfig {
  file: string;
  /** By flag attribute name: strings, string[] for repeatable flags, booleans for on/off flags. */
  flags: Partial<Record<ConfigFlag, string | string[] | boolean>>;
  limits: Partial<Record<LimitName, number>>;
}

export function parseServeConfig(source: string, file: string): ServeConfig {
  const result = parseYaml(source);
  if ('issues' in result) throw new ConfigError(file, result.issues);
  const { parsed } = result;
  if (parsed.data === null || parsed.data === undefined) {
    throw new ConfigError(file, [
      { message: 'the file is empty', fix: 'write "key: value" lines, e.g. listen: 127.0.0.1:50051 (see README, Operations)' },
    ]);
  }
  const checked = schema.safeParse(parsed.data);
  if (!checked.success) {
    const issues = fromZodIssues(checked.error.issues, (path) => (path.length === 0 ? TOP_KEYS : undefined));
    throw new ConfigError(
      file,
      issues.map((i) => locateIssue(i, parsed)),
    );
  }
  const data = checked.data;
  const base = dirname(resolve(file));
  const absolute = (p: string) => (isAbsolute(p) ? p : resolve(base, p));
  const flags: ServeConfig['flags'] = {};
  for (const key of Object.keys(CONFIG_FIELDS) as ConfigFlag[]) {
    const value = data[key];
    if (value === undefined) continue;
    const field = CONFIG_FIELDS[key] as { path?: boolean };
    if (typeof value === 'boolean') {
      flags[key] = value;
    } else if (Array.isArray(value) || key === 'clientCa') {
      const list = (Array.isArray(value) ? value : [value]).map(String);
      flags[key] = field.path ? list.map(absolute) : list;
    } else {
      flags[key] = field.path ? absolute(String(value)) : String(value);
    }
  }
  if (data.listen !== undefined) {
    const { host, port } = parseAddress(data.listen);
    flags.host ??= host;
    flags.port ??= String(port);
  }
  const limits: ServeConfig['limits'] = {};
  const problems: PathIssue[] = [];
  for (const [name, value] of Object.entries(data.limits ?? {})) {
    try {
      const limit = parseLimitValue(name, value);
      limits[limit.name] = limit.value;
    } catch (err) {
      const e = err as QuantityError;
      problems.push({ path: ['limits', name], message: e.message, fix: e.fix, key: !(LIMIT_NAMES as string[]).includes(name) });
    }
  }
  if (problems.length > 0)
    throw new ConfigError(
      file,
      problems.map((i) => locateIssue(i, parsed)),
    );
  return { file, flags, limits };
}

export function loadServeConfig(file: string): ServeConfig {
  return parseServeConfig(readUserFile(file, 'config file', 'configFile'), file);
}
