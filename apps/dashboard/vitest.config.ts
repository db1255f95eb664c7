import { defineIntegrationConfig } from '@boltlink/testing/vitest-config';

// The browser test starts four services and Chromium first: 57 s on a busy 2-core host, 180 s on the same
// host while it was also type-checking the workspace. The bound leaves room above the worst of those.
export default defineIntegrationConfig({ test: { testTimeout: 180_000, hookTimeout: 300_000 } });
