// Header (metadata) conditions on a rule, with gRFC A43's semantics: every listed header must be
// present with one of its values (wildcards allowed); a header sent several times is matched as
// its values joined with ",".
import type { Metadata } from '@grpc/grpc-js';
import type { HeaderCondition } from './policy-model';
import { ValueMatcher, wildcardMatcher } from './wildcard';

// A43 forbids these: they describe the transport or gRPC itself, not the caller's request.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** Why a header cannot be used in a condition, or undefined if it can. */
export function checkHeaderKey(key: string): { message: string; fix: string } | undefined {
  const k = key.toLowerCase();
  if (k.startsWith(':')) return { message: `"${key}" is an HTTP/2 pseudo-header`, fix: 'match the method with "methods:" (or A43 "paths") instead' };
  if (k.startsWith('grpc-')) return { message: `"${key}" is reserved by gRPC`, fix: 'use an application header (e.g. x-tenant)' };
  if (k === 'host' || HOP_BY_HOP.has(k)) return { message: `"${key}" is a transport header that A43 does not allow`, fix: 'use an application header (e.g. x-tenant)' };
  if (k.endsWith('-bin')) return { message: `"${key}" is a binary header`, fix: 'conditions match text headers only; use a header without the -bin suffix' };
  if (!/^[a-z0-9_.-]+$/.test(k)) return { message: `"${key}" is not a valid header name`, fix: 'use lower-case letters, digits, "-", "_" and "."' };
  return undefined;
}

export interface CompiledHeaderCondition {
  key: string;
  values: string[];
  matchers: ValueMatcher[];
}

export function compileHeaderConditions(conditions: HeaderCondition[] | undefined): CompiledHeaderCondition[] | undefined {
  if (!conditions || conditions.length === 0) return undefined;
  return conditions.map((c) => ({ key: c.key.toLowerCase(), values: c.values, matchers: c.values.map((v) => wildcardMatcher(v)) }));
}

/** The first condition the metadata fails, or undefined when all hold. */
export function failedHeaderCondition(conditions: CompiledHeaderCondition[], metadata: Metadata | undefined): CompiledHeaderCondition | undefined {
  for (const c of conditions) {
    const values = metadata?.get(c.key) ?? [];
    if (values.length === 0) return c;
    const joined = values.map((v) => (typeof v === 'string' ? v : v.toString('utf8'))).join(',');
    if (!c.matchers.some((m) => m(joined))) return c;
  }
  return undefined;
}
