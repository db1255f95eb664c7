import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The integration tests start real process trees (a primary and its workers under tsx) on a
    // shared 2-core machine: boot alone can take seconds.
    testTimeout: 45_000,
    hookTimeout: 20_000,
  },
});
