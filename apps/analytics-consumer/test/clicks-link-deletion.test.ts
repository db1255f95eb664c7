import type { Pool, PoolClient } from 'pg';
import { describe, expect } from 'vitest';
import { ingestClicks } from '../src/ingest/ingest-clicks.ts';
import { makeEvents, rollupsVersusEvents, seedLinks, waitFor } from './helpers.ts';
import { test as consumerTest } from './support/consumer.ts';

// click_events has no foreign key to links: ingestion key-share-locks the links it writes for before it
// writes anything. These races are what that lock must decide, each forced with a second connection.

// The ingestion under test runs on the worker pool; the racing transactions on the database's own pool.
const test = consumerTest.extend('workerPoolSize', { scope: 'file' }, 2);

/** Rows anywhere the consumer writes for one link. */
async function rowsFor(pool: Pool, linkId: string) {
  const result = await pool.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM click_events WHERE link_id = $1)
      + (SELECT count(*) FROM link_clicks_hourly WHERE link_id = $1)
      + (SELECT count(*) FROM link_clicks_daily WHERE link_id = $1)
      + (SELECT count(*) FROM link_dimensions_daily WHERE link_id = $1)
      + (SELECT count(*) FROM link_agents_daily WHERE link_id = $1)
      + (SELECT count(*) FROM link_visitors_daily WHERE link_id = $1) AS n`,
    [linkId],
  );
  return Number(result.rows[0]?.n);
}

/** Resolves once `count` backends of this database wait for a lock. */
function lockWaiters(pool: Pool, count: number) {
  return waitFor(
    async () => {
      const result = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return result.rows[0]?.n ?? 0;
    },
    (waiting) => waiting >= count,
    10_000,
    `${count} backend(s) waiting for a lock`,
  );
}

async function inTransaction(pool: Pool): Promise<PoolClient> {
  const client = await pool.connect();
  await client.query('BEGIN');
  return client;
}

describe('ingestion against a concurrent link delete (real Postgres)', () => {
  test('skips a link whose delete commits while the batch waits for it, and writes nothing for it', async ({
    database,
    workerPool: ingestPool,
  }) => {
    const [kept, doomed] = (await seedLinks(database.pool, 2)) as [string, string];
    const events = makeEvents([kept, doomed], 40);
    const deleting = await inTransaction(database.pool);
    try {
      await deleting.query('DELETE FROM links WHERE id = $1', [doomed]);
      const ingesting = ingestClicks(ingestPool, events);
      await lockWaiters(database.pool, 1);
      await deleting.query('COMMIT');
      const result = await ingesting;

      expect(result).toEqual({ received: 40, inserted: 20, duplicates: 0, orphaned: 20 });
    } finally {
      deleting.release();
    }
    expect(await rowsFor(database.pool, doomed)).toBe(0);
    const counted = await database.pool.query('SELECT click_count::int AS n FROM links WHERE id = $1', [
      kept,
    ]);
    expect(counted.rows[0].n).toBe(20);
  });

  test('makes a delete that starts while the batch is written wait, then removes everything the batch wrote', async ({
    database,
    workerPool: ingestPool,
  }) => {
    const [link] = (await seedLinks(database.pool, 1)) as [string];
    const events = makeEvents([link], 30);
    // Holds one of the batch's events (its key: event id and time), uncommitted: the batch stops at that row,
    // after taking its locks.
    const blocking = await inTransaction(database.pool);
    let deleted: Promise<unknown> | undefined;
    try {
      const [first] = events;
      await blocking.query(
        `INSERT INTO click_events (event_id, link_id, occurred_at, device, browser, os)
         VALUES ($1, $2, $3, 'desktop', 'Chrome', 'Linux')`,
        [first?.eventId, link, new Date(first?.occurredAt ?? 0).toISOString()],
      );
      const ingesting = ingestClicks(ingestPool, events);
      await lockWaiters(database.pool, 1);
      deleted = database.pool.query('DELETE FROM links WHERE id = $1', [link]);
      // The delete must queue behind the batch's lock on the link, not run ahead of it.
      await lockWaiters(database.pool, 2);
      await blocking.query('ROLLBACK');
      expect(await ingesting).toEqual({ received: 30, inserted: 30, duplicates: 0, orphaned: 0 });
      await deleted;
    } finally {
      blocking.release();
    }
    expect(await rowsFor(database.pool, link)).toBe(0);
  });

  test("takes a deleted link's clicks out of its account's roll-ups, whichever shards wrote them", async ({
    database,
    workerPool: ingestPool,
  }) => {
    const links = await seedLinks(database.pool, 3);
    const [doomed] = links as [string];
    const events = makeEvents(links, 900);
    // Three lanes' worth of shards on the same account rows, the doomed link's clicks among all of them.
    for (const [shard, share] of [
      events.slice(0, 300),
      events.slice(300, 600),
      events.slice(600),
    ].entries()) {
      await ingestClicks(ingestPool, share, shard);
    }
    const owner = await database.pool.query<{ user_id: string }>('SELECT user_id FROM links WHERE id = $1', [
      doomed,
    ]);
    const userId = owner.rows[0]?.user_id;

    await database.pool.query('DELETE FROM links WHERE id = $1', [doomed]);

    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
    const left = await database.pool.query<{ clicks: number }>(
      'SELECT sum(clicks)::int AS clicks FROM account_clicks_daily WHERE user_id = $1',
      [userId],
    );
    expect(left.rows[0]?.clicks).toBe(events.filter((e) => e.linkId !== doomed).length);

    // Deleting the user deletes its links, and with them every account row.
    await database.pool.query('DELETE FROM users WHERE id = $1', [userId]);
    const rows = await database.pool.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM account_clicks_hourly WHERE user_id = $1)
        + (SELECT count(*) FROM account_clicks_daily WHERE user_id = $1)
        + (SELECT count(*) FROM account_dimensions_daily WHERE user_id = $1) AS n`,
      [userId],
    );
    expect(Number(rows.rows[0]?.n)).toBe(0);
  });
});
