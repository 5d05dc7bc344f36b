// The jest run Stryker uses (`npm run mutate`): only suites that exercise the trust core IN THIS
// PROCESS. Stryker measures which test covers which mutant from inside the jest worker, so code
// reached only through a child process (the CLI suites: bin/certrpc runs the compiled dist/) is
// invisible to it, and running those suites once per mutant would not fit the time budget.
// See docs/TESTING.md ("Mutation testing").
const base = require('./jest.config');

/** In-process suites under test/ with real TLS sockets on 127.0.0.1:0 that finish in seconds. */
const IN_PROCESS_SUITES = [
  'test/authz/audit-log.test.ts',
  'test/authz/audit-line.test.ts',
  'test/authz/authorization-calls.test.ts',
  'test/authz/policy-reload.test.ts',
  'test/authz/streaming-gate.test.ts',
  'test/adoption/interceptor-options.test.ts',
  'test/adoption/interceptor-chain.test.ts',
  'test/e2e/demo-calls.test.ts',
  'test/e2e/proxy-resolution.test.ts',
  'test/e2e/refusal-flood.test.ts',
  'test/gate/call-gate.test.ts',
  'test/gate/connection-identity.test.ts',
  'test/server/anonymous-methods.test.ts',
  'test/server/create-server-defaults.test.ts',
  'test/server/metadata-size.test.ts',
  'test/server/revocation-while-deciding.test.ts',
  'test/tls/pinned-peer-certificate.test.ts',
  'test/tls/session-resumption.test.ts',
];

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/src/**/*.test.ts', ...IN_PROCESS_SUITES.map((f) => `<rootDir>/${f}`)],
  // No child processes here, so no logs to scan for key material at the end.
  globalTeardown: undefined,
  testTimeout: 60000,
  // Charges what runs outside a test (file load, beforeAll) to that file's tests (see the file).
  testEnvironment: require.resolve('./scripts/mutate/file-coverage-environment.js'),
  // Runs only the test files that hold a test Stryker asked for (see the file).
  runner: require.resolve('./scripts/mutate/name-filter-runner.js'),
};
