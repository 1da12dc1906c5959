import { defineConfig } from 'vitest/config';

// Unit tests are pure and fast; integration tests use real tmux servers, SQLite
// files and child processes; e2e tests drive Debian's Chromium. They share one
// run so `npm test` prints one summary.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: tmux and Chromium tests must not starve each other.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
