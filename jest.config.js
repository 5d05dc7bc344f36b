/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Node 20 loads tls half-way if a certificate's legacy object is read first: see the file.
  setupFiles: ['<rootDir>/test/helpers/node-tls-first.ts'],
  transform: {
    // Type-checking is `npm run lint`'s job; tests only transpile, which keeps them fast.
    '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  },
  // Two cores: run suites two at a time. Suites never share ports (port 0) or files (temp dirs).
  maxWorkers: 2,
  // A hang guard, not a speed target: hooks start servers and run the CLI several times, which
  // on a loaded 2-core machine takes far longer than on a quiet one.
  testTimeout: 90000,
  // One run directory for child-process logs; at the end, every log line is checked for key material.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/global-teardown.ts',
};
