// @boltlink/testing depends on @boltlink/db (its template database is migrated with runMigrations), so
// db cannot list it as a dependency without a cycle that turbo rejects; its source is reached by path.
import { defineIntegrationConfig } from '../testing/src/vitest-config.ts';

export default defineIntegrationConfig();
