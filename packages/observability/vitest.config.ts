import { defineConfig } from 'vitest/config';

// Unit tests (src/**); integration tests under test/ use vitest.integration.config.ts (real servers).
export default defineConfig({
  test: { include: ['src/**/*.test.ts'] },
});
