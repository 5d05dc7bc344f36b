// The mutation score of each trust-core folder from a Stryker JSON report (mutation-testing-report
// schema): (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker counts it;
// compile and runtime errors and ignored mutants are not counted. Used by `npm run mutate` and
// `node scripts/mutate/folder-scores.js [REPORT]` (prints the table docs/TESTING.md shows).
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

/** The issue 17 target, per folder. */
const TARGET = 85;

const DETECTED = new Set(['Killed', 'Timeout']);
const UNDETECTED = new Set(['Survived', 'NoCoverage']);

/** src/authz/x.ts -> authz; src/server/revocation-stage.ts -> server. */
const folderOf = (path) => path.split('/')[1];

/** `take`: which files count (a narrowed run's report also holds the other files of its seed). */
function folderScores(report, take = () => true) {
  const byFolder = new Map();
  for (const [path, file] of Object.entries(report.files)) {
    if (!take(path)) continue;
    const folder = folderOf(path);
    const s = byFolder.get(folder) ?? { folder, detected: 0, valid: 0, files: 0 };
    s.files++;
    for (const m of file.mutants) {
      if (DETECTED.has(m.status)) s.detected++;
      if (DETECTED.has(m.status) || UNDETECTED.has(m.status)) s.valid++;
    }
    byFolder.set(folder, s);
  }
  return [...byFolder.values()]
    .map((s) => ({ ...s, score: s.valid === 0 ? 100 : (100 * s.detected) / s.valid }))
    .sort((a, b) => a.folder.localeCompare(b.folder));
}

module.exports = { folderScores, TARGET };

if (require.main === module) {
  const file = process.argv[2] ?? join(__dirname, '..', '..', 'reports', 'mutation', 'mutation.json');
  for (const s of folderScores(JSON.parse(readFileSync(file, 'utf8')))) {
    console.log(`${s.folder.padEnd(16)} ${s.score.toFixed(1).padStart(5)}%  ${s.detected}/${s.valid}  (${s.files} files)`);
  }
}
