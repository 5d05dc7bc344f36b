#!/usr/bin/env node
// `npm run mutate:changed [-- BASE]`: mutation testing of the trust-core files that differ from
// BASE (default: where this branch left main; on main itself, the last commit). Runs Stryker with
// --mutate set to those files; the incremental file (reports/stryker-incremental.json) lets it
// reuse the results of unchanged mutants when there is one. Prints what it decided and why.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();

/** The mutate globs of stryker.config.json as regular expressions ("!" = excluded). */
function scope() {
  const { mutate } = JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8'));
  const toRegExp = (glob) =>
    new RegExp(
      '^' +
        glob
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .split('**/')
          .map((part) => part.replace(/\*/g, '[^/]*'))
          .join('(?:.*/)?') +
        '$',
    );
  return {
    include: mutate.filter((g) => !g.startsWith('!')).map(toRegExp),
    exclude: mutate.filter((g) => g.startsWith('!')).map((g) => toRegExp(g.slice(1))),
  };
}

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
const { include, exclude } = scope();
const changed = git('diff', '--name-only', '--diff-filter=ACMR', from, '--', 'src')
  .split('\n')
  .filter((f) => f && include.some((r) => r.test(f)) && !exclude.some((r) => r.test(f)));
if (changed.length === 0) {
  console.log(`mutate:changed: no trust-core file changed since ${from}; nothing to mutate`);
  process.exit(0);
}
console.log(`mutate:changed: ${changed.length} trust-core file(s) changed since ${from}: ${changed.join(' ')}`);
const stryker = join(root, 'node_modules', '.bin', 'stryker');
const run = spawnSync(stryker, ['run', '--mutate', changed.join(',')], { cwd: root, stdio: 'inherit' });
process.exit(run.status ?? 1);
