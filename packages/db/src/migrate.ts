import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** The committed drizzle-kit output, next to this package's src/ when run from source. */
export const defaultMigrationsFolder = fileURLToPath(new URL('../drizzle', import.meta.url));

// Arbitrary but fixed: every BoltLink migrator, in any pod, contends for this one advisory lock.
const MIGRATION_LOCK_KEY = 7_245_861_003;

export interface RunMigrationsOptions {
  /**
   * Where the migration SQL and meta/_journal.json live. Bundled apps and container images pass this,
   * because import.meta.url then points at the bundle rather than at packages/db/src.
   */
  migrationsFolder?: string;
  /** How long to wait for another migrator (e.g. a second pod) to finish before giving up. */
  lockTimeoutMs?: number;
}

/**
 * Applies every pending migration; a database that is already current is left untouched. Concurrent
 * callers serialize on a Postgres advisory lock, so two pods starting together never race: the second
 * waits, then finds nothing left to apply.
 */
export async function runMigrations(databaseUrl: string, options: RunMigrationsOptions = {}): Promise<void> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder;
  const lockTimeoutMs = options.lockTimeoutMs ?? 120_000;
  // One dedicated connection: a session-level advisory lock belongs to the connection that took it.
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'boltlink-migrate' });
  // An error on this short-lived connection surfaces through the awaited queries below.
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(`SET lock_timeout = ${Math.max(1, Math.floor(lockTimeoutMs))}`);
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    } catch (error) {
      throw new Error(
        `could not take the migration lock within ${lockTimeoutMs} ms (another migrator is still running?)`,
        { cause: error },
      );
    }
    await client.query('RESET lock_timeout');
    try {
      await migrate(drizzle({ client }), { migrationsFolder });
    } finally {
      // Closing the connection releases the lock too, so a failed unlock must not hide the real error.
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {});
    }
  } finally {
    await client.end();
  }
}
