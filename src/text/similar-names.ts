// "Did you mean ...?" for a misspelt name: the known names closest by edit distance
// (Damerau-Levenshtein: a swap of two neighbours is one edit, the commonest typo), ignoring case.
// Small inputs (names on a command line), so the plain O(n*m) table is enough.

/** Edits (insert, delete, substitute, swap neighbours) that turn a into b. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[rows - 1][cols - 1];
}

/** Edits a typo of `word` may hold: a third of its length, at least one. */
const allowedEdits = (word: string) => Math.max(1, Math.floor(word.length / 3));

/**
 * How far apart two dotted names are, and how far a typo may take them. Judged part by part
 * (demo.v1.Nope is not a typo of demo.v1.Echo, though the shared package makes the whole strings
 * look close); names with a different number of parts are compared whole, and only a slip of one
 * or two characters (a dot too many or too few) counts as a typo.
 */
function dottedDistance(a: string, b: string): { distance: number; allowed: number } {
  const as = a.split('.');
  const bs = b.split('.');
  if (as.length !== bs.length) return { distance: editDistance(a, b), allowed: Math.min(2, allowedEdits(a)) };
  let distance = 0;
  let allowed = 0;
  as.forEach((part, i) => {
    const d = editDistance(part, bs[i]);
    distance += d;
    if (d > 0) allowed += allowedEdits(part);
  });
  return { distance, allowed };
}

/**
 * The candidates closest to `name` (case ignored; dotted names judged part by part): those at the
 * smallest distance found, at most `limit`; none when even the closest needs more edits than a
 * typo would make (a third of the misspelt part's length, at least 1).
 */
export function similarNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const wanted = name.toLowerCase();
  const scored = [...new Set(candidates)]
    .map((candidate) => ({ candidate, ...dottedDistance(wanted, candidate.toLowerCase()) }))
    .filter((s) => s.distance <= s.allowed)
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate));
  return scored
    .filter((s) => s.distance === scored[0].distance)
    .slice(0, limit)
    .map((s) => s.candidate);
}
