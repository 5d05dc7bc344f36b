// The jest test runner of `npm run mutate` (jest.mutate.config.js): jest's own, plus one shortcut.
//
// For each mutant Stryker runs only the tests that covered it, by handing jest a testNamePattern.
// Jest then still loads EVERY test file to find out which of its tests match, and that loading
// (ts-jest, grpc-js, @peculiar/x509 in a fresh module registry per file) costs seconds per mutant,
// far more than the few tests that actually run. This runner records, on the run without a pattern
// (Stryker's dry run), which test names each file holds, and on a run with a pattern hands jest
// only the files that hold at least one matching test. A file left out would have reported every
// test "skipped", which Stryker ignores, so the outcome is the same; a file it knows nothing of
// (added since the record) always runs.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const JestRunner = require('jest-runner').default;

/** Beside jest.mutate.config.js: in Stryker's sandbox, a file of that sandbox. */
const RECORD = join(__dirname, '..', '..', '.stryker-tmp-test-names.json');

class NameFilterRunner extends JestRunner {
  async runTests(tests, watcher, options) {
    const pattern = this._globalConfig.testNamePattern;
    if (!pattern) {
      const names = {};
      this.on('test-file-success', ([test, result]) => {
        names[test.path] = result.testResults.map((r) => r.fullName);
      });
      await super.runTests(tests, watcher, options);
      // Only under Stryker (its worker sets this): a plain jest run leaves no file behind.
      if (process.env.STRYKER_MUTATOR_WORKER !== undefined) writeFileSync(RECORD, JSON.stringify(names));
      return;
    }
    let names = {};
    try {
      names = JSON.parse(readFileSync(RECORD, 'utf8'));
    } catch {
      // No record: run every file, as jest would.
    }
    // The same test as jest-circus applies to each test's full name.
    const matches = new RegExp(pattern, 'i');
    const needed = tests.filter((t) => !names[t.path] || names[t.path].some((n) => matches.test(n)));
    return super.runTests(needed, watcher, options);
  }
}

module.exports = NameFilterRunner;
