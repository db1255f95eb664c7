/** What globalSetup hands to every test file through vitest's provide/inject. */
export interface TestEnvironment {
  /** Where the servers came from. */
  provider: 'env' | 'containers' | 'local';
  /** A connection string on the test Postgres server with the right to CREATE DATABASE. */
  postgresAdminUrl: string;
  /** Migrated database that createTestDatabase() clones. */
  templateDatabase: string;
  redisUrl: string;
  /** Short id of this vitest run; every database and Redis prefix made in the run carries it. */
  runId: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    boltlinkTest: TestEnvironment;
  }
}

/** Names made from it are lower-case letters, digits and underscores: valid unquoted SQL identifiers. */
export function randomSuffix(length = 8): string {
  let suffix = '';
  while (suffix.length < length) suffix += Math.random().toString(36).slice(2);
  return suffix.slice(0, length);
}

export function databaseUrlFor(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}
