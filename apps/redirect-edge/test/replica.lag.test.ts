import { createDb, createPool, type Db } from '@boltlink/db/client';
import { type PrivatePostgres, type PrivateReplica, startPrivatePostgres } from '@boltlink/testing/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createUser, DOMAIN, insertLink, startEdge, type TestEdge, test } from './support/edge.ts';

// A real streaming replica of a private primary: the edge reads links from the replica (DATABASE_READ_URL),
// and a link the replica does not have yet (its replay paused: it lags) is asked of the primary before the
// edge answers 404.

let primary: PrivatePostgres;
let replica: PrivateReplica;
let pool: pg.Pool;
let db: Db;
let edge: TestEdge | undefined;

beforeAll(async () => {
  primary = await startPrivatePostgres({ migrate: true });
  replica = await primary.startReplica();
  pool = createPool({ connectionString: primary.url, max: 2 });
  db = createDb(pool);
}, 120_000);

afterAll(async () => {
  await edge?.app.close();
  await pool?.end().catch(() => undefined);
  await primary?.destroy();
});

/** Whether the replica has replayed the link's row yet. */
async function onReplica(code: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: replica.url });
  await client.connect();
  try {
    return ((await client.query('SELECT 1 FROM links WHERE code = $1', [code])).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

async function untilOnReplica(code: string): Promise<void> {
  for (let i = 0; i < 200 && !(await onReplica(code)); i++) await new Promise((r) => setTimeout(r, 50));
  expect(await onReplica(code)).toBe(true);
}

describe('an edge reading from a streaming replica', () => {
  test('serves links from the replica, and a link the lagging replica lacks from the primary; unknown codes stay 404', async ({
    redisUrl,
    prefix,
  }) => {
    edge = await startEdge({
      databaseUrl: primary.url,
      redisUrl,
      prefix,
      env: { DATABASE_READ_URL: replica.url },
    });
    const get = (code: string) => edge?.app.inject({ url: `/${code}`, headers: { host: DOMAIN } });
    const userId = await createUser(db);

    // Replicated: read from the replica like any link.
    const replicated = await insertLink(db, { userId, url: 'https://replicated.example/' });
    await untilOnReplica(replicated.code);
    const first = await get(replicated.code);
    expect(first?.statusCode).toBe(302);
    expect(first?.headers.location).toBe('https://replicated.example/');

    // The replica stops replaying: a link created now exists on the primary only.
    await replica.pauseReplay();
    try {
      const fresh = await insertLink(db, { userId, url: 'https://created-a-moment-ago.example/' });
      expect(await onReplica(fresh.code)).toBe(false);
      const answer = await get(fresh.code);
      expect(answer?.statusCode).toBe(302);
      expect(answer?.headers.location).toBe('https://created-a-moment-ago.example/');
      expect(await onReplica(fresh.code)).toBe(false);

      expect((await get('never-made-anywhere'))?.statusCode).toBe(404);
    } finally {
      await replica.resumeReplay();
    }
  });
});
