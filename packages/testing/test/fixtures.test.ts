import { describe, expect, inject } from 'vitest';
import { bounded, test } from '../src/fixtures.ts';

let firstDatabase: string | undefined;

describe('file fixtures', () => {
  test.beforeAll(async ({ database }) => {
    // File-level hooks get the same database as the tests.
    firstDatabase = database.name;
    await database.pool.query("INSERT INTO users (email, password_hash) VALUES ('hook@example.com', 'x')");
  });

  test('database: a migrated database of this file, shared by its hooks and tests', async ({ database }) => {
    expect(database.name).toBe(firstDatabase);
    const { rows } = await database.pool.query<{ email: string }>('SELECT email FROM users');
    expect(rows.map((row) => row.email)).toEqual(['hook@example.com']);
  });

  test('database: the next test of the file sees the rows of the previous ones', async ({ database }) => {
    expect(database.name).toBe(firstDatabase);
    await database.pool.query("INSERT INTO users (email, password_hash) VALUES ('test@example.com', 'x')");
    const { rows } = await database.pool.query('SELECT count(*)::int AS n FROM users');
    expect(rows[0].n).toBe(2);
  });

  test("prefix: named after the file, carrying the run's id", ({ prefix, redisUrl }) => {
    const { runId, redisUrl: runRedis } = inject('boltlinkTest');
    expect(prefix).toMatch(new RegExp(`^blt-fixtures-${runId}-[a-z0-9]{6}$`));
    expect(redisUrl).toBe(runRedis);
  });
});

describe('bounded teardown', () => {
  test('passes a close that finishes', async () => {
    await expect(bounded('quick client', async () => 'closed', 1000)).resolves.toBeUndefined();
  });

  test('fails a close that never finishes, naming it', async () => {
    await expect(bounded('stuck client', () => new Promise(() => {}), 50)).rejects.toThrow(
      'stuck client: teardown did not finish within 50 ms',
    );
  });
});
