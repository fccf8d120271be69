/** Jest in ESM mode (run through `node --experimental-vm-modules`), TypeScript through ts-jest. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  // The consumer apps run their own tests with their own runners (test/consumers/run.sh).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/consumers/'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    // The sample and the README examples import the package by name, as users do.
    '^nestjs-storages$': '<rootDir>/lib/index.ts',
    '^nestjs-storages/testing$': '<rootDir>/lib/testing.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  setupFiles: ['<rootDir>/test/setup/env.ts'],
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  testTimeout: 60_000,
};
