import { defineConfig } from 'vitest/config';
import LongestFirst from './test/sequencer.js';

/**
 * Four tiers, each a vitest project; `npm test` runs them all.
 * - unit: pure functions and core logic with an injected clock; no DynamoDB Local, no network, no Java.
 * - integration: handlers and services against DynamoDB Local + fauxqs (started once for the run) and the Gitea stand-in.
 * - browser: the board in Debian's Chromium.
 * - process: real processes — the runner CLI, `npm start`, bundles in a fresh Node, SST's real components.
 */
const emulators = ['test/global-setup.ts'];
const unit = ['test/unit/**/*.test.ts'];
const browser = ['test/board/**/*.test.ts'];
const processes = ['test/agent/**/*.test.ts', 'test/local/**/*.test.ts', 'test/deploy/**/*.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Handlers log through Powertools; in tests only errors are worth reading.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'ERROR' },
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The longest files first, with or without a previous run's durations (test/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: [...unit, ...browser, ...processes, '**/node_modules/**'],
          globalSetup: emulators,
        },
      },
      { extends: true, test: { name: 'browser', include: browser, globalSetup: emulators } },
      { extends: true, test: { name: 'process', include: processes, globalSetup: emulators } },
    ],
  },
});
