#!/usr/bin/env node
// Builds dist/ from src/ (tsc, incremental). With --if-stale, only when something changed since
// the last build: `npm start` and `npm test` build first, and a full tsc run costs seconds (tens
// on a loaded 2-core machine) where `npm start` must be quick.
// Stale = no build stamp, or a file under src/, a tsconfig, package.json, package-lock.json or
// scripts/vendor-bundles.js is newer than it. Then dist/vendor/ (scripts/vendor-bundles.js).
'use strict';
const { existsSync, readdirSync, rmdirSync, statSync, unlinkSync, utimesSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');

function newestMtime(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs; // a deleted file changes its directory's mtime
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

function stale() {
  if (!existsSync(stamp)) return true;
  // package-lock.json: a dependency updated means dist/vendor/ bundles old code.
  const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json', 'scripts/vendor-bundles.js'].map(
    (p) => join(root, p),
  );
  return Math.max(...inputs.map(newestMtime)) > statSync(stamp).mtimeMs;
}

/**
 * tsc never deletes: a source moved or removed leaves its old .js/.d.ts/.js.map in dist/, where
 * `npm pack` would ship it and a stale require could still find it. Removes outputs without a source.
 */
function prune(dir, srcDir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (path === join(root, 'dist', 'vendor')) continue; // scripts/vendor-bundles.js's, remade below
    if (entry.isDirectory()) {
      prune(path, join(srcDir, entry.name));
      if (readdirSync(path).length === 0) rmdirSync(path);
      continue;
    }
    const m = /^(.*?)(\.d\.ts|\.js\.map|\.js)$/.exec(entry.name);
    if (m && !existsSync(join(srcDir, `${m[1]}.ts`))) unlinkSync(path);
  }
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
const startedAt = new Date();
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
prune(join(root, 'dist'), join(root, 'src'));
require('./vendor-bundles').build(root);
// Stamped with the time the build began: a source saved during the build makes the next run build again.
writeFileSync(stamp, `${startedAt.toISOString()}\n`);
utimesSync(stamp, startedAt, startedAt);
