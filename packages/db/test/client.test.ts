import { describe, expect } from 'vitest';
import { test } from '../../testing/src/fixtures.ts';
import { createDb, createPool } from '../src/client.ts';
import { users } from '../src/schema/index.ts';

describe('createPool / createDb', () => {
  test('names its connections and serves typed drizzle queries', async ({ database }) => {
    const pool = createPool({ connectionString: database.url, applicationName: 'db-client-test', max: 2 });
    try {
      const db = createDb(pool);
      await db.insert(users).values({ email: 'pool@example.com', passwordHash: 'h' });
      const rows = await db.query.users.findMany({ columns: { email: true } });
      expect(rows).toEqual([{ email: 'pool@example.com' }]);
      const names = await pool.query<{ name: string }>('SELECT current_setting($1) AS name', [
        'application_name',
      ]);
      expect(names.rows[0]?.name).toBe('db-client-test');
    } finally {
      await pool.end();
    }
  });

  test('cancels a statement that runs past statementTimeoutMs', async ({ database }) => {
    const pool = createPool({ connectionString: database.url, statementTimeoutMs: 100 });
    try {
      await expect(pool.query('SELECT pg_sleep(2)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await pool.end();
    }
  });

  test('reports an idle connection killed by the server to onError and keeps serving', async ({
    database,
  }) => {
    const errors: Error[] = [];
    const pool = createPool({
      connectionString: database.url,
      applicationName: 'db-client-victim',
      onError: (error) => errors.push(error),
    });
    try {
      await pool.query('SELECT 1');
      expect(pool.idleCount).toBe(1);

      await database.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'db-client-victim'`,
      );
      await expect.poll(() => errors.length).toBeGreaterThan(0);

      const result = await pool.query<{ ok: number }>('SELECT 1 AS ok');
      expect(result.rows[0]?.ok).toBe(1);
    } finally {
      await pool.end();
    }
  });
});
