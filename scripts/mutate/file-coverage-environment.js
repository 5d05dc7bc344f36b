// The jest test environment of `npm run mutate` (jest.mutate.config.js): node's, plus a finer
// record of which tests cover which mutant.
//
// Stryker's "perTest" coverage counts only what runs INSIDE a test. What runs while a test file is
// loaded or in its beforeAll/afterAll hooks (making a PKI, starting a server, compiling a policy:
// most of the trust core, in the in-process suites) counts as "static", and Stryker runs EVERY test
// of the run for each such mutant: over 20 s a mutant, so the run cannot fit its time budget.
// Here that coverage is charged to the test file instead: it becomes coverage of each test of that
// file, which is what it is (those tests run after that load and those hooks). Such a mutant then
// runs the tests of the files that reached it, loading them and running their hooks with the mutant
// active, and is killed when one of them fails, exactly as before, only without the unrelated files.
'use strict';
const { TestEnvironment } = require('jest-environment-node');

// The test ids Stryker's own environment uses (mixin-jest-environment.cjs): the full test name.
function describeName(block) {
  return block.parent ? `${describeName(block.parent)} ${block.name}`.trimStart() : '';
}
function testId(test) {
  return `${describeName(test.parent)} ${test.name}`.trimStart();
}

class FileCoverageEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.fileId = `test file ${context.testPath}`;
    this.testIds = new Set();
  }

  /** Stryker's instrumenter context in this test's global, during its coverage run only. */
  strykerCoverageRun() {
    if (process.env.__STRYKER_ACTIVE_MUTANT__ !== undefined) return undefined; // a mutant run: no coverage is kept
    const ns = this.global.__strykerGlobalNamespace__;
    return ns === undefined ? undefined : this.global[ns];
  }

  async handleTestEvent(event) {
    const ctx = this.strykerCoverageRun();
    if (!ctx) return;
    // Stryker's environment handles the event after this one: it sets the test's id on
    // test_start and clears it on test_done. Between tests, the file is what runs.
    if (event.name === 'test_start') this.testIds.add(testId(event.test));
    if (ctx.currentTestId === undefined) ctx.currentTestId = this.fileId;
    if (event.name === 'teardown') {
      ctx.currentTestId = undefined;
      const perTest = ctx.mutantCoverage?.perTest;
      const fileCoverage = perTest?.[this.fileId];
      if (!fileCoverage) return;
      delete perTest[this.fileId];
      for (const id of this.testIds) {
        const test = (perTest[id] ??= {});
        for (const [mutant, hits] of Object.entries(fileCoverage)) test[mutant] = (test[mutant] ?? 0) + hits;
      }
    }
  }
}

module.exports = FileCoverageEnvironment;
