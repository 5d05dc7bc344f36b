// Bounds a policy must keep, checked when it is loaded (start, reload, `policy check`), so that no
// policy, however written, makes deciding a call expensive: matching is linear in pattern and value
// (wildcard.ts), and these keep the number and size of what is matched small. A policy over a
// bound is refused like any invalid policy: with the line, and on reload the last good one stays.
import { PathIssue } from '../text/schema-issues';
import { countStars, PatternSyntax } from './wildcard';

export const POLICY_LIMITS = {
  /** Characters in one pattern: principal, method, header value, connect target, issuer. */
  maxPatternLength: 1024,
  /** `*` in one pattern. */
  maxStarsPerPattern: 8,
  maxRoles: 10_000,
  maxRules: 10_000,
  /** Principal entries over all roles (exact ones cost a map lookup). */
  maxPrincipals: 100_000,
  /** Wildcard principal entries: each new certificate is tried against every one. */
  maxWildcardPrincipals: 1_000,
  /** Methods, connect targets or header values in one rule; header conditions in one rule. */
  maxPatternsPerRule: 1_000,
  maxHeadersPerRule: 32,
} as const;

/** Why one pattern is over a bound, or undefined. (A43's `*` is only a prefix or suffix match, whatever their number.) */
export function patternBoundProblem(pattern: string, syntax: PatternSyntax = 'glob'): string | undefined {
  if (pattern.length > POLICY_LIMITS.maxPatternLength)
    return `is ${pattern.length} characters long; the limit is ${POLICY_LIMITS.maxPatternLength}`;
  if (syntax === 'a43') return undefined;
  const stars = countStars(pattern);
  if (stars > POLICY_LIMITS.maxStarsPerPattern) return `has ${stars} "*"; the limit is ${POLICY_LIMITS.maxStarsPerPattern} per pattern`;
  return undefined;
}

/** Pushes an issue for every pattern over a bound, at its path. */
export function checkPatterns(
  issues: PathIssue[],
  entries: Iterable<{ path: PropertyKey[]; pattern: string }>,
  syntax: PatternSyntax = 'glob',
): void {
  for (const { path, pattern } of entries) {
    const problem = patternBoundProblem(pattern, syntax);
    if (problem)
      issues.push({
        path,
        message: `"${pattern.length > 40 ? `${pattern.slice(0, 40)}...` : pattern}" ${problem}`,
        fix: 'write a shorter pattern with fewer "*", or list the values',
      });
  }
}

/** Pushes an issue when a list is longer than its bound, pointing at the first entry over it. */
export function checkCount(issues: PathIssue[], path: PropertyKey[], count: number, limit: number, what: string, key = false): void {
  if (count <= limit) return;
  issues.push({
    path,
    key,
    message: `${count} ${what}; the limit is ${limit}`,
    fix: `split the policy, or use fewer ${what} (wildcards, roles shared by rules)`,
  });
}
