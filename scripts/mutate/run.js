#!/usr/bin/env node
// `npm run mutate [-- STRYKER OPTIONS]`: mutation testing of the trust core, reusing and updating
// scripts/mutate/baseline.json, the committed result of the last run (docs/TESTING.md).
// Stryker reuses every mutant result whose code and covering tests did not change, so a run costs
// what changed since the baseline. A whole run replaces the baseline; a run narrowed with --mutate
// is merged into it (merge-incremental.js), so no other file's results are lost.
// `npm run mutate:ci` (.ci/run): the whole trust core against the baseline, which is left as it is
// (CI never rewrites a tracked file); then every folder must hold the target score.
'use strict';
const { spawnSync } = require('node:child_process');
const { copyFileSync, existsSync, mkdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { folderScores, TARGET } = require('./folder-scores');
const { mergeIncremental, writeReport } = require('./merge-incremental');
const { inScope } = require('./scope');

const root = join(__dirname, '..', '..');
const baseline = join(root, 'scripts', 'mutate', 'baseline.json');
const working = join(root, 'reports', 'stryker-incremental.json');
const report = join(root, 'reports', 'mutation', 'mutation.json');

const args = process.argv.slice(2);
const ci = args[0] === '--ci';
const strykerArgs = ci ? ['--reporters', 'clear-text,json,dots'] : args;
const mutateAt = strykerArgs.findIndex((a) => a === '--mutate' || a === '-m');
const narrowed = mutateAt >= 0 ? strykerArgs[mutateAt + 1].split(',') : undefined;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

mkdirSync(join(root, 'reports'), { recursive: true });
if (existsSync(baseline)) copyFileSync(baseline, working);
else if (ci) {
  console.error(`mutate:ci: ${baseline} is missing: run 'npm run mutate' (it writes the file) and commit it`);
  process.exit(1);
}

const stryker = join(root, 'node_modules', '.bin', 'stryker');
const run = spawnSync(stryker, ['run', '--incrementalFile', working, ...strykerArgs], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  console.error(`mutate: stryker exited with ${run.status ?? run.signal}`);
  process.exit(1);
}

const scores = folderScores(readJson(report), narrowed ? inScope(narrowed) : () => true);
let below = false;
console.log(`\nmutate: score per folder${narrowed ? ' (files run)' : ''}, target ${TARGET}%:`);
for (const s of scores) {
  below ||= s.score < TARGET;
  const mark = s.score >= TARGET ? 'ok  ' : 'LOW ';
  console.log(
    `  ${mark} ${s.folder.padEnd(12)} ${s.score.toFixed(1).padStart(5)}%  (${s.detected} of ${s.valid} mutants killed or timed out)`,
  );
}

if (ci) {
  if (below) {
    console.error(
      `mutate:ci: a folder of the trust core scores under ${TARGET}%: kill its surviving mutants (reports/mutation/mutation.html lists them) and refresh the baseline with 'npm run mutate'`,
    );
    process.exit(1);
  }
  process.exit(0);
}

const result = readJson(working);
const updated =
  narrowed && existsSync(baseline)
    ? mergeIncremental([{ report: readJson(baseline) }, { report: result, files: inScope(narrowed) }])
    : result;
writeReport(baseline, updated);
console.log(`mutate: ${baseline} updated: commit it with the change it measured`);
