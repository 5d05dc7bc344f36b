// Which files a Stryker `mutate` list (stryker.config.json's, or a `--mutate` argument) names: its
// globs as regular expressions, "!" excluding. Shared by `npm run mutate` and `mutate:changed`.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');

const toRegExp = (glob) =>
  new RegExp(
    '^' +
      glob
        .replace(/:\d+(:\d+)?-\d+(:\d+)?$/, '') // a mutation range (src/a.ts:10-20) names its file
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .split('**/')
        .map((part) => part.replace(/\*/g, '[^/]*'))
        .join('(?:.*/)?') +
      '$',
  );

/** A predicate for repository-relative paths; `globs` defaults to stryker.config.json's `mutate`. */
function inScope(globs) {
  const list = globs ?? JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8')).mutate;
  const include = list.filter((g) => !g.startsWith('!')).map(toRegExp);
  const exclude = list.filter((g) => g.startsWith('!')).map((g) => toRegExp(g.slice(1)));
  return (path) => include.some((r) => r.test(path)) && !exclude.some((r) => r.test(path));
}

module.exports = { inScope };
