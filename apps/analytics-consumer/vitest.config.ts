import { defineIntegrationConfig } from '@boltlink/testing/vitest-config';

// One config for both runs: `--dir src` (unit, no servers) and `--dir test` (real Postgres, Redis, BullMQ).
export default defineIntegrationConfig();
