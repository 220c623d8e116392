/** Jest: TypeScript through ts-jest; tests live in test/. The package name maps to the sources. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }] },
  moduleNameMapper: {
    '^tfjs-initializers$': '<rootDir>/src/index.ts',
    '^tfjs-initializers/node$': '<rootDir>/src/node.ts',
    '^tfjs-initializers/internals$': '<rootDir>/src/internals.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 180000,
  // one worker per core (jest's default leaves one idle: on this 2-core machine the suite ran serially)
  maxWorkers: '100%',
};
