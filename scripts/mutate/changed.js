#!/usr/bin/env node
// `npm run mutate:changed [-- BASE]`: mutation testing of the trust-core files that differ from
// BASE (default: where this branch left main; on main itself, the last commit). Runs Stryker with
// --mutate set to those files through `npm run mutate` (scripts/mutate/run.js: the committed
// baseline is reused and updated). Prints what it decided and why.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { inScope } = require('./scope');

const root = join(__dirname, '..', '..');
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

function base() {
  if (process.argv[2]) return process.argv[2];
  const head = git('rev-parse', 'HEAD');
  let mainRef;
  try {
    mainRef = git('rev-parse', '--verify', '--quiet', 'main');
  } catch {
    return 'HEAD~1'; // a clone without a main branch: the last commit
  }
  return head === mainRef ? 'HEAD~1' : git('merge-base', 'HEAD', 'main');
}

const from = base();
const trustCore = inScope();
const changed = git('diff', '--name-only', '--diff-filter=ACMR', from, '--', 'src')
  .split('\n')
  .filter((f) => f && trustCore(f));
if (changed.length === 0) {
  console.log(`mutate:changed: no trust-core file changed since ${from}; nothing to mutate`);
  process.exit(0);
}
console.log(`mutate:changed: ${changed.length} trust-core file(s) changed since ${from}: ${changed.join(' ')}`);
const run = spawnSync(process.execPath, [join(__dirname, 'run.js'), '--mutate', changed.join(',')], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
