import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPrivatePostgres } from '../src/postgres.ts';

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('startPrivatePostgres', () => {
  it('is migrated, refuses connections while stopped and keeps its data across a restart', async () => {
    const server = await startPrivatePostgres();
    try {
      await query(server.url, "INSERT INTO users (email, password_hash) VALUES ('c@example.com', 'x')");
      await server.stop();
      await expect(query(server.url, 'SELECT 1')).rejects.toThrow(/ECONNREFUSED/);
      await server.start();
      const { rows } = await query(server.url, 'SELECT email FROM users');
      expect(rows).toEqual([{ email: 'c@example.com' }]);
    } finally {
      await server.destroy();
    }
  });
});
