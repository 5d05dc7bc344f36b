// Header (metadata) conditions on a rule, with gRFC A43's semantics: every listed header must be
// present with one of its values (wildcards allowed, in the policy format's syntax); a header sent
// several times is matched as its values joined with ",".
import type { Metadata } from '@grpc/grpc-js';
import type { HeaderCondition } from './policy-model';
import { PatternSyntax, patternMatcher, ValueMatcher } from './wildcard';

// A43 forbids these: they describe the transport or gRPC itself, not the caller's request.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
// grpc-js consumes these before any interceptor sees the metadata: a condition on them could never
// hold (an allow rule that never applies, worse, a deny rule that never denies), so it is refused.
const CONSUMED_BY_GRPC_JS = new Set(['content-type', 'accept-encoding']);

/**
 * Why a header cannot be used in a condition, or undefined if it can. A43's list (pseudo-headers,
 * grpc-*, host, hop-by-hop) for both formats; binary (-bin) headers only in A43 files, which
 * allow them (matched byte for byte, as grpc-go does); certrpc YAML matches text headers only.
 */
export function checkHeaderKey(key: string, syntax: PatternSyntax = 'glob'): { message: string; fix: string } | undefined {
  const k = key.toLowerCase();
  if (k.startsWith(':'))
    return { message: `"${key}" is an HTTP/2 pseudo-header`, fix: 'match the method with "methods:" (or A43 "paths") instead' };
  if (k.startsWith('grpc-')) return { message: `"${key}" is reserved by gRPC`, fix: 'use an application header (e.g. x-tenant)' };
  if (k === 'host' || HOP_BY_HOP.has(k))
    return { message: `"${key}" is a transport header that A43 does not allow`, fix: 'use an application header (e.g. x-tenant)' };
  if (CONSUMED_BY_GRPC_JS.has(k))
    return {
      message: `"${key}" is consumed by grpc-js before authorization sees the call, so a condition on it could never hold`,
      fix: 'use an application header (e.g. x-tenant)',
    };
  if (k.endsWith('-bin') && syntax === 'glob')
    return { message: `"${key}" is a binary header`, fix: 'conditions match text headers only; use a header without the -bin suffix' };
  if (!/^[a-z0-9_.-]+$/.test(k))
    return {
      message: `"${key}" is not a valid header name`,
      fix: 'use lower-case letters, digits, "-", "_" and "." (what gRPC metadata keys may hold)',
    };
  return undefined;
}

export interface CompiledHeaderCondition {
  key: string;
  values: string[];
  matchers: ValueMatcher[];
  /** A -bin header (A43 only): values are compared as bytes, the pattern's as its UTF-8 encoding. */
  binary: boolean;
}

/** Byte-for-byte text: each byte one char (latin1), so a comparison of strings is one of bytes. */
const asBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

export function compileHeaderConditions(
  conditions: HeaderCondition[] | undefined,
  syntax: PatternSyntax = 'glob',
): CompiledHeaderCondition[] | undefined {
  if (!conditions || conditions.length === 0) return undefined;
  return conditions.map((c) => {
    const key = c.key.toLowerCase();
    const binary = key.endsWith('-bin');
    return { key, values: c.values, binary, matchers: c.values.map((v) => patternMatcher(binary ? asBytes(v) : v, syntax)) };
  });
}

/** The first condition the metadata fails, or undefined when all hold. */
export function failedHeaderCondition(
  conditions: CompiledHeaderCondition[],
  metadata: Metadata | undefined,
): CompiledHeaderCondition | undefined {
  for (const c of conditions) {
    const values = metadata?.get(c.key) ?? [];
    if (values.length === 0) return c;
    const joined = values
      .map((v) => (typeof v === 'string' ? v : v.toString(c.binary ? 'latin1' : 'utf8')))
      .join(c.binary ? asBytes(',') : ',');
    if (!c.matchers.some((m) => m(joined))) return c;
  }
  return undefined;
}
