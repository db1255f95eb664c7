import { defineIntegrationConfig } from '@boltlink/testing/vitest-config';

// The browser tests share one stack (test/support/stack-setup.ts), started after the test servers. Starting
// four services took 57 s on a busy 2-core host, 180 s while it was also type-checking the workspace: the
// hook bound leaves room above the worst of those. Two files at a time, each with its own Chromium.
export default defineIntegrationConfig({
  test: {
    globalSetup: ['test/support/stack-setup.ts'],
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // expect.poll waits on what a page shows after a navigation or reload; its default second was too
    // short with two browsers and four services sharing two cores (a reload then took several seconds).
    expect: { poll: { timeout: 20_000, interval: 100 } },
  },
});
