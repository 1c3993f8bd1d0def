/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // @swc/jest with the globals hot loops read bound per module (scripts/jest-transform.js: vm contexts make them slow).
  transform: { '^.+\\.ts$': ['<rootDir>/scripts/jest-transform.js', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 120000,
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
