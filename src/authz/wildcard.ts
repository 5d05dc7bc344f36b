// Wildcard patterns of policies, matched in linear time. No regular expression is ever built from
// a pattern: `*-*-*-eu` as a backtracking RegExp takes seconds on a 2,000-character value that a
// peer chooses (a header, a CONNECT host, a SAN). Here a match costs O(pattern + value) steps.
//
// Two syntaxes, one per policy format:
// - certrpc YAML ('glob'): `*` anywhere stands for a run of characters, possibly empty, that
//   contains none of the field's separators (see Segments); `*` alone is any non-empty value.
// - gRFC A43 ('a43'), as grpc-go's rbac_translator reads it: `*` alone is any non-empty value,
//   `abc*` a prefix, `*abc` a suffix; any other `*` is a literal character. Case-sensitive.
//
// Complexity of a 'glob' match, n = value length, m = pattern length: the value is cut at its
// separators once (n steps); each piece is checked against its pattern piece by prefix, suffix,
// then the parts between stars left to right, each found with Knuth-Morris-Pratt from where the
// previous one ended. KMP never moves backwards in the value, and taking the leftmost occurrence
// of each part is always right when `*` is the only metacharacter, so there is no backtracking:
// at most 2n + m comparisons (counted by `steps` in tests).

export type ValueMatcher = (value: string) => boolean;
export type PatternSyntax = 'glob' | 'a43';

/**
 * What `*` never crosses in certrpc YAML patterns:
 * - none: nothing (header values; `wildcardMatcher`'s default);
 * - dns: "." (one label, as in TLS wildcards: "*.corp" matches "db.corp", not "a.db.corp");
 * - cn: "." and "/";
 * - path: "/" (URI and SPIFFE: one path segment), except that a pattern ending in "/*" matches
 *   everything below that path ("spiffe://corp/ns/billing/*" matches ".../billing/sa/api");
 * - email: "@", and "." after the "@" ("*@corp.com" matches "first.last@corp.com", not "a@x.corp.com").
 */
export type Segments = 'none' | 'dns' | 'cn' | 'path' | 'email';

/** Counts character comparisons; tests prove the linear bound with it instead of timing. */
export interface StepCounter {
  count: number;
}

export interface WildcardOptions {
  /** Compare case-insensitively (DNS names). */
  ignoreCase?: boolean;
  segments?: Segments;
  steps?: StepCounter;
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*');
}

export function countStars(pattern: string): number {
  let n = 0;
  for (let i = 0; i < pattern.length; i++) if (pattern.charCodeAt(i) === 42) n++;
  return n;
}

/** True when the pattern matches only the value written (no wildcard in this syntax). */
export function isLiteralPattern(pattern: string, syntax: PatternSyntax): boolean {
  if (syntax === 'glob') return !hasWildcard(pattern);
  return !pattern.startsWith('*') && !pattern.endsWith('*');
}

/** A matcher for one pattern in the given syntax. */
export function patternMatcher(pattern: string, syntax: PatternSyntax, options: WildcardOptions = {}): ValueMatcher {
  return syntax === 'a43' ? a43Matcher(pattern) : wildcardMatcher(pattern, options);
}

/** gRFC A43 (grpc-go getStringMatcher): "*" presence, "abc*" prefix, "*abc" suffix, else exact; the checks in Go's order. */
export function a43Matcher(pattern: string): ValueMatcher {
  if (pattern === '*') return (v) => v.length > 0;
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (v) => v.startsWith(prefix);
  }
  if (pattern.startsWith('*')) {
    const suffix = pattern.slice(1);
    return (v) => v.endsWith(suffix);
  }
  return (v) => v === pattern;
}

/** A certrpc ('glob') matcher for one pattern. */
export function wildcardMatcher(pattern: string, options: WildcardOptions = {}): ValueMatcher {
  const fold = options.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const steps = options.steps;
  const segments = options.segments ?? 'none';
  if (pattern === '*') return (v) => v.length > 0;
  const p = fold(pattern);
  if (!hasWildcard(p)) return (v) => fold(v) === p;
  if (segments === 'path' && p.endsWith('/*')) return subtreeMatcher(p.slice(0, -1), fold, steps);
  const compiled = compileTokens(p, segments);
  return (v) => matchTokens(compiled, tokenize(fold(v), segments, steps), steps);
}

/** "HEAD/*": the value's first k slashes (k = the head's) cut it; the part up to them matches HEAD, the rest is free. */
function subtreeMatcher(head: string, fold: (s: string) => string, steps: StepCounter | undefined): ValueMatcher {
  const compiled = compileTokens(head, 'path');
  const slashes = compiled.separators.length;
  return (value) => {
    const v = fold(value);
    let seen = 0;
    for (let i = 0; i < v.length; i++) {
      if (steps) steps.count++;
      if (v.charCodeAt(i) === 47 && ++seen === slashes) return matchTokens(compiled, tokenize(v.slice(0, i + 1), 'path', steps), steps);
    }
    return false;
  };
}

interface Tokens<P> {
  pieces: P[];
  /** The separators between the pieces, in order: they must be the same in pattern and value. */
  separators: string;
}

function tokenize(s: string, segments: Segments, steps?: StepCounter): Tokens<string> {
  if (segments === 'none') return { pieces: [s], separators: '' };
  const pieces: string[] = [];
  let separators = '';
  let start = 0;
  let afterAt = false;
  for (let i = 0; i < s.length; i++) {
    if (steps) steps.count++;
    const c = s[i];
    let isSeparator: boolean;
    if (segments === 'dns') isSeparator = c === '.';
    else if (segments === 'cn') isSeparator = c === '.' || c === '/';
    else if (segments === 'path') isSeparator = c === '/';
    else isSeparator = c === '@' || (c === '.' && afterAt);
    if (!isSeparator) continue;
    if (c === '@') afterAt = true;
    pieces.push(s.slice(start, i));
    separators += c;
    start = i + 1;
  }
  pieces.push(s.slice(start));
  return { pieces, separators };
}

/** A pattern piece without separators: literal text, or parts around `*`s. */
interface Piece {
  stars: boolean;
  first: string;
  last: string;
  middle: Kmp[];
  minLength: number;
}

function compileTokens(pattern: string, segments: Segments): Tokens<Piece> {
  const { pieces, separators } = tokenize(pattern, segments);
  return { separators, pieces: pieces.map(compilePiece) };
}

function compilePiece(text: string): Piece {
  const parts = text.split('*');
  if (parts.length === 1) return { stars: false, first: text, last: '', middle: [], minLength: text.length };
  const middle = parts.slice(1, -1).filter((s) => s.length > 0);
  const first = parts[0];
  const last = parts[parts.length - 1];
  return {
    stars: true,
    first,
    last,
    middle: middle.map(kmp),
    minLength: first.length + last.length + middle.reduce((n, s) => n + s.length, 0),
  };
}

function matchTokens(pattern: Tokens<Piece>, value: Tokens<string>, steps?: StepCounter): boolean {
  if (pattern.separators !== value.separators) return false;
  for (let i = 0; i < pattern.pieces.length; i++) if (!matchPiece(pattern.pieces[i], value.pieces[i], steps)) return false;
  return true;
}

function matchPiece(p: Piece, v: string, steps?: StepCounter): boolean {
  if (!p.stars) return equalAt(v, 0, p.first, steps) && v.length === p.first.length;
  if (v.length < p.minLength) return false;
  if (!equalAt(v, 0, p.first, steps) || !equalAt(v, v.length - p.last.length, p.last, steps)) return false;
  let from = p.first.length;
  const end = v.length - p.last.length;
  for (const part of p.middle) {
    const at = kmpFind(part, v, from, end, steps);
    if (at < 0) return false;
    from = at + part.text.length;
  }
  return true;
}

function equalAt(v: string, at: number, text: string, steps?: StepCounter): boolean {
  if (at < 0 || at + text.length > v.length) return false;
  for (let i = 0; i < text.length; i++) {
    if (steps) steps.count++;
    if (v.charCodeAt(at + i) !== text.charCodeAt(i)) return false;
  }
  return true;
}

/** A literal part with its KMP failure table: fail[i] = length of the longest proper border of text[0..i]. */
interface Kmp {
  text: string;
  fail: Int32Array;
}

function kmp(text: string): Kmp {
  const fail = new Int32Array(text.length);
  for (let i = 1, k = 0; i < text.length; i++) {
    while (k > 0 && text.charCodeAt(i) !== text.charCodeAt(k)) k = fail[k - 1];
    if (text.charCodeAt(i) === text.charCodeAt(k)) k++;
    fail[i] = k;
  }
  return { text, fail };
}

/** The first index >= from where part occurs entirely before end, or -1. At most 2 x (end - from) comparisons. */
function kmpFind(part: Kmp, v: string, from: number, end: number, steps?: StepCounter): number {
  const { text, fail } = part;
  let k = 0;
  for (let i = from; i < end; i++) {
    const c = v.charCodeAt(i);
    // Each step back here undoes an earlier step forward, so these loops total at most n.
    while (k > 0 && c !== text.charCodeAt(k)) {
      if (steps) steps.count++;
      k = fail[k - 1];
    }
    if (steps) steps.count++;
    if (c === text.charCodeAt(k)) k++;
    if (k === text.length) return i - k + 1;
  }
  return -1;
}
