#!/usr/bin/env node
// `npm run mutate:merge -- OUT IN...` (newest last): one Stryker incremental file from several (runs
// of different files, folder by folder or side by side), so that the next `npm run mutate` reuses
// every result that still holds. `npm run mutate` (run.js) merges a narrowed run into the baseline
// with it too.
//
// Stryker names tests by per-run ids, so each input's ids are mapped to "file + test name" and given
// new ids. Strict on purpose: a result is carried only where it can still be trusted.
// - a mutated file: the input whose copy of the source equals the file on disk (else the newest);
// - a test file: the input whose copy equals the file on disk (else the newest), and an input's
//   coverage and kills that name a test are kept only when that input saw the same test file source;
//   otherwise they are dropped, so Stryker runs those mutants again (a killed mutant without its
//   killing test, or a survivor with a test it did not have, is never reused: incremental-differ.js).
'use strict';
const { existsSync, readFileSync, writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const { inScope } = require('./scope');

const root = join(__dirname, '..', '..');
const onDisk = (file) => (existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8') : undefined);

/**
 * inputs: [{ report, files?: (path) => boolean }], oldest first; `files` limits which mutated files
 * are taken from that input (a narrowed run also carries the other files of its seed, unverified).
 */
function mergeIncremental(inputs) {
  /** For each path of `section`: the entry to take (same source as on disk, else the newest). */
  const choose = (section, take = () => true) => {
    const chosen = new Map();
    for (const input of inputs) {
      for (const [path, entry] of Object.entries(input.report[section] ?? {})) {
        if (!take(input, path)) continue;
        const current = chosen.get(path);
        const matches = entry.source === onDisk(path);
        if (!current || matches || current.entry.source !== onDisk(path)) chosen.set(path, { entry, input });
      }
    }
    return chosen;
  };
  const files = choose('files', (input, path) => !input.files || input.files(path));
  const testFiles = choose('testFiles');

  // New ids for the tests of the chosen test files, keyed by file + name.
  const idByKey = new Map();
  const mergedTestFiles = {};
  for (const [path, { entry }] of testFiles) {
    mergedTestFiles[path] = {
      source: entry.source,
      tests: entry.tests.map((test) => {
        const id = String(idByKey.size);
        idByKey.set(`${path}\0${test.name}`, id);
        return { ...test, id };
      }),
    };
  }

  const mergedFiles = {};
  for (const [path, { entry, input }] of files) {
    // This input's test ids -> merged ids, only for test files it saw as they were chosen.
    const remap = new Map();
    for (const [testPath, testFile] of Object.entries(input.report.testFiles ?? {})) {
      if (testFile.source !== testFiles.get(testPath)?.entry.source) continue;
      for (const test of testFile.tests) remap.set(test.id, idByKey.get(`${testPath}\0${test.name}`));
    }
    const map = (ids) => (ids ?? []).map((id) => remap.get(id)).filter((id) => id !== undefined);
    mergedFiles[path] = {
      ...entry,
      mutants: entry.mutants.map((m) => ({ ...m, coveredBy: map(m.coveredBy), killedBy: map(m.killedBy) })),
    };
  }
  return { ...inputs[inputs.length - 1].report, files: mergedFiles, testFiles: mergedTestFiles };
}

/** Writes atomically: a run interrupted while writing never leaves half a baseline. */
function writeReport(file, report) {
  writeFileSync(`${file}.tmp`, JSON.stringify(report));
  renameSync(`${file}.tmp`, file);
}

module.exports = { mergeIncremental, writeReport };

if (require.main === module) {
  const [out, ...paths] = process.argv.slice(2);
  if (!out || paths.length === 0) {
    console.error('usage: npm run mutate:merge -- OUT.json IN.json[@GLOB,GLOB...] ...  (oldest first; @: take only those mutated files)');
    process.exit(2);
  }
  const merged = mergeIncremental(
    paths.map((arg) => {
      const [path, globs] = arg.split('@');
      return { report: JSON.parse(readFileSync(path, 'utf8')), files: globs ? inScope(globs.split(',')) : undefined };
    }),
  );
  writeReport(out, merged);
  const mutants = Object.values(merged.files).reduce((n, f) => n + f.mutants.length, 0);
  const tests = Object.values(merged.testFiles).reduce((n, f) => n + f.tests.length, 0);
  console.log(
    `merged ${paths.length} file(s): ${Object.keys(merged.files).length} mutated files, ${mutants} mutants, ${tests} tests -> ${out}`,
  );
}
