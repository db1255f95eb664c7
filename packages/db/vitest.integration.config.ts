import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// @boltlink/testing depends on @boltlink/db (it migrates its template database with runMigrations), so db
// cannot list it as a dependency without a package cycle that turbo rejects; its global setup is reached
// by path instead. Each test file gets its own database, so files run in parallel.
const globalSetup = fileURLToPath(new URL('../testing/src/global-setup.ts', import.meta.url));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: [globalSetup],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
