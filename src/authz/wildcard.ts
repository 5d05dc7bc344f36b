// The one wildcard syntax of certrpc policies (and of gRFC A43): `*` stands for any run of
// characters, possibly empty; a pattern that is just `*` matches any non-empty value (A43's
// "presence" match). Everything else is literal, so a dot in "svc-*.prod" is a dot.

export type ValueMatcher = (value: string) => boolean;

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*');
}

/** A matcher for one pattern; prefix and suffix patterns avoid a regular expression. */
export function wildcardMatcher(pattern: string, options: { ignoreCase?: boolean } = {}): ValueMatcher {
  const fold = options.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const p = fold(pattern);
  if (p === '*') return (v) => v.length > 0;
  const stars = p.split('*').length - 1;
  if (stars === 0) return (v) => fold(v) === p;
  if (stars === 1 && p.endsWith('*')) {
    const prefix = p.slice(0, -1);
    return (v) => fold(v).startsWith(prefix);
  }
  if (stars === 1 && p.startsWith('*')) {
    const suffix = p.slice(1);
    return (v) => fold(v).endsWith(suffix);
  }
  const re = new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return (v) => re.test(fold(v));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
