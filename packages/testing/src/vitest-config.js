// Plain JavaScript on purpose: vitest loads a package's vitest.config.ts by bundling it and leaving bare
// imports to Node, which cannot import a .ts file. Types are in vitest-config.d.ts next to this file.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';

const globalSetup = fileURLToPath(new URL('./global-setup.ts', import.meta.url));

/**
 * vitest config for a package whose integration tests (test/**) need real servers. The same file serves
 * `vitest run --dir src` (unit) and `--dir test` (integration): globalSetup starts servers only when the run
 * includes a file under test/. Files run in parallel forks, each with its own database and Redis prefix;
 * tests wait on sockets more than on the CPU, so a few forks pay off even on 2 cores
 * (BOLTLINK_TEST_FORKS overrides the count).
 *
 * @param {import('vitest/config').ViteUserConfig} [overrides]
 * @returns {import('vitest/config').ViteUserConfig}
 */
export function defineIntegrationConfig(overrides = {}) {
  const forks = Number(process.env.BOLTLINK_TEST_FORKS) || Math.min(4, Math.max(2, availableParallelism()));
  const base = defineConfig({
    test: {
      include: ['**/*.test.ts'],
      globalSetup: [globalSetup],
      pool: 'forks',
      maxWorkers: forks,
      testTimeout: 30_000,
      hookTimeout: 60_000,
      teardownTimeout: 30_000,
    },
  });
  return mergeConfig(base, overrides);
}
