import { afterAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../src/postgres.ts';
import { withAdminClient } from '../src/template.ts';

const opened: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(opened.map((database) => database.drop()));
});

async function open(): Promise<TestDatabase> {
  const database = await createTestDatabase();
  opened.push(database);
  return database;
}

async function databaseExists(name: string): Promise<boolean> {
  const { postgresAdminUrl } = inject('boltlinkTest');
  return withAdminClient(postgresAdminUrl, async (client) => {
    const result = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return result.rowCount === 1;
  });
}

describe('createTestDatabase', () => {
  it('hands out a database with the migrated schema', async () => {
    const { pool } = await open();
    const { rows } = await pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(rows.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'users',
        'api_keys',
        'links',
        'campaigns',
        'click_events',
        'link_clicks_daily',
      ]),
    );
  });

  it('isolates databases from each other', async () => {
    const [first, second] = await Promise.all([open(), open()]);
    expect(first.name).not.toBe(second.name);
    await first.pool.query("INSERT INTO users (email, password_hash) VALUES ('a@example.com', 'x')");
    const inFirst = await first.pool.query('SELECT count(*)::int AS n FROM users');
    const inSecond = await second.pool.query('SELECT count(*)::int AS n FROM users');
    expect(inFirst.rows[0].n).toBe(1);
    expect(inSecond.rows[0].n).toBe(0);
  });

  it('leaves the template untouched by writes to a clone', async () => {
    const clone = await open();
    await clone.pool.query("INSERT INTO users (email, password_hash) VALUES ('b@example.com', 'x')");
    const fresh = await open();
    const { rows } = await fresh.pool.query('SELECT count(*)::int AS n FROM users');
    expect(rows[0].n).toBe(0);
  });

  it('drop() removes the database, even with connections still open', async () => {
    const database = await createTestDatabase();
    expect(await databaseExists(database.name)).toBe(true);
    await database.pool.query('SELECT 1');
    await database.drop();
    expect(await databaseExists(database.name)).toBe(false);
  });

  it('gives the drizzle client the schema', async () => {
    const { db } = await open();
    const rows = await db.query.users.findMany();
    expect(rows).toEqual([]);
  });
});
