import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Browser/e2e suites launch Chromium and a dev server; they get their own timeout.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
