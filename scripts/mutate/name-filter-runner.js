// The jest test runner of `npm run mutate` (jest.mutate.config.js): jest's own, plus two shortcuts.
//
// For each mutant Stryker runs only the tests that covered it, by handing jest a testNamePattern.
// Jest then still loads EVERY test file to find out which of its tests match, and that loading
// (ts-jest, grpc-js, @peculiar/x509 in a fresh module registry per file, then its beforeAll hooks)
// costs seconds per mutant, far more than the few tests that actually run. So:
// 1. On the run without a pattern (Stryker's dry run) this runner records which test names each
//    file holds and how long the file took. On a run with a pattern it hands jest only the files
//    that hold at least one matching test. A file left out would have reported every test
//    "skipped", which Stryker ignores, so the outcome is the same; a file it knows nothing of
//    (added since the record) always runs.
// 2. Those files run one at a time, quickest first, and the run stops at the first file with a
//    failing test: one failure kills the mutant (Stryker's own default, "bail"; jest cannot bail
//    when called as Stryker calls it). A surviving mutant still runs every file it needs.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const JestRunner = require('jest-runner').default;

/** Beside jest.mutate.config.js: in Stryker's sandbox, a file of that sandbox. */
const RECORD = join(__dirname, '..', '..', '.stryker-tmp-test-names.json');

class NameFilterRunner extends JestRunner {
  async runTests(tests, watcher, options) {
    const pattern = this._globalConfig.testNamePattern;
    if (!pattern) return this.recordingRun(tests, watcher, options);
    let record = {};
    try {
      record = JSON.parse(readFileSync(RECORD, 'utf8'));
    } catch {
      // No record: every file runs, as with plain jest.
    }
    // The same test as jest-circus applies to each test's full name.
    const matches = new RegExp(pattern, 'i');
    const needed = tests
      .filter((t) => !record[t.path] || record[t.path].names.some((n) => matches.test(n)))
      .sort((a, b) => (record[a.path]?.ms ?? Infinity) - (record[b.path]?.ms ?? Infinity));
    let failed = false;
    // One runner serves every mutant: listeners are removed after each run, or they pile up.
    const unsubscribe = [
      this.on('test-file-success', ([, result]) => {
        if (result.numFailingTests > 0 || result.testExecError) failed = true;
      }),
      this.on('test-file-failure', () => {
        failed = true;
      }),
    ];
    try {
      for (const test of needed) {
        if (failed) break;
        await super.runTests([test], watcher, { ...options, serial: true });
      }
    } finally {
      for (const off of unsubscribe) off();
    }
  }

  async recordingRun(tests, watcher, options) {
    const record = {};
    this.on('test-file-success', ([test, result]) => {
      record[test.path] = { names: result.testResults.map((r) => r.fullName), ms: result.perfStats.runtime };
    });
    await super.runTests(tests, watcher, options);
    // Only under Stryker (its worker sets this): a plain jest run leaves no file behind.
    if (process.env.STRYKER_MUTATOR_WORKER !== undefined) writeFileSync(RECORD, JSON.stringify(record));
  }
}

module.exports = NameFilterRunner;
