import { defineIntegrationConfig } from '@boltlink/testing/vitest-config';

export default defineIntegrationConfig();
