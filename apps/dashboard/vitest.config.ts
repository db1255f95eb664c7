import { defineIntegrationConfig } from '@boltlink/testing/vitest-config';

// The browser test starts four services and Chromium: minutes on a loaded machine, not seconds.
export default defineIntegrationConfig({ test: { testTimeout: 180_000, hookTimeout: 180_000 } });
