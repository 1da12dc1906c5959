import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; integration tests use real tmux servers, SQLite
// files and child processes; e2e tests drive a real Chromium. They share one run
// so `npm test` prints one summary; `--project unit` (npm run test:unit) runs one.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: tmux and Chromium tests must not starve each other.
    maxWorkers: 2,
    fileParallelism: true,
    // The run's id, and the check for anything it left running (scripts/leftovers.js).
    globalSetup: ['test/support/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'] } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.{ts,tsx}'] } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.{ts,tsx}'] } },
      // Every way in, as a hostile or careless caller uses it (issue #19's suite).
      { extends: true, test: { name: 'hostile', include: ['test/hostile/**/*.test.{ts,tsx}'] } },
      { extends: true, test: { name: 'docs', include: ['test/docs/**/*.test.{ts,tsx}'] } },
    ],
  },
});
