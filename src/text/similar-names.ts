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

/**
 * The candidates closest to `name` (case ignored): those at the smallest distance found, at most
 * `limit`; none when even the closest needs more edits than a third of the name's length (at
 * least 1): then it is not a typo.
 */
export function similarNames(name: string, candidates: Iterable<string>, limit = 3): string[] {
  const wanted = name.toLowerCase();
  const allowed = Math.max(1, Math.floor(wanted.length / 3));
  const scored = [...new Set(candidates)]
    .map((candidate) => ({ candidate, distance: editDistance(wanted, candidate.toLowerCase()) }))
    .filter((s) => s.distance <= allowed)
    .sort((x, y) => x.distance - y.distance || x.candidate.localeCompare(y.candidate));
  return scored.filter((s) => s.distance === scored[0].distance).slice(0, limit).map((s) => s.candidate);
}
