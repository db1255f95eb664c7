import { defineConfig } from 'drizzle-kit';

// Only `generate` is used: migrations are committed and applied by src/migrate.ts, never pushed.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/schema/*.ts',
  out: './drizzle',
  strict: true,
  verbose: true,
});
