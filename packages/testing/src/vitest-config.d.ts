import type { ViteUserConfig } from 'vitest/config';

/** vitest config for integration tests: real Postgres/Redis from globalSetup, test files in parallel forks. */
export declare function defineIntegrationConfig(overrides?: ViteUserConfig): ViteUserConfig;
