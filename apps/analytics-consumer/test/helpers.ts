import { randomUUID } from 'node:crypto';
import type { ClickBatch, ClickEvent } from '@boltlink/queues/catalog';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { pino } from 'pino';
import { rollUpCommitted } from '../src/ingest/dimension-rollup.ts';

export const silentLogger = pino({ level: 'silent' });

/**
 * A user with `count` links (no title) in the user's personal workspace, or in `workspaceId`; returns the
 * link ids in creation order.
 */
export async function seedLinks(
  pool: Pool,
  count: number,
  overrides: { url?: string; title?: string | null; workspaceId?: string } = {},
) {
  const user = await pool.query<{ id: string }>(
    "INSERT INTO users (email, password_hash) VALUES ($1, 'x') RETURNING id",
    [`u-${randomUUID()}@example.com`],
  );
  const userId = user.rows[0]?.id;
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const row = await pool.query<{ id: string }>(
      `INSERT INTO links (user_id, domain, code, url, title, workspace_id)
       VALUES ($1, $2, $3, $4, $5, coalesce($6::uuid, $1)) RETURNING id`,
      [
        userId,
        'localhost:8080',
        `c${randomUUID().slice(0, 8)}${i}`,
        overrides.url ?? 'https://example.com/',
        overrides.title ?? null,
        overrides.workspaceId ?? null,
      ],
    );
    ids.push(row.rows[0]?.id as string);
  }
  return ids;
}

const DEVICES = ['desktop', 'mobile', 'tablet'];
const BROWSERS = ['Chrome', 'Firefox', 'Safari'];
const COUNTRIES = ['DE', 'US', 'FR', null];

/** Deterministic-looking variety: several hours and days, bots, missing countries and referrers. */
export function makeEvents(
  linkIds: readonly string[],
  count: number,
  start = Date.UTC(2025, 5, 1, 22),
): ClickEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    eventId: randomUUID(),
    linkId: linkIds[i % linkIds.length] as string,
    occurredAt: start + ((i * 7919) % (30 * 3_600_000)),
    referrerHost: i % 5 === 0 ? null : `ref${i % 3}.example`,
    country: COUNTRIES[i % COUNTRIES.length] ?? null,
    device: DEVICES[i % DEVICES.length] as string,
    browser: BROWSERS[i % BROWSERS.length] as string,
    os: i % 2 === 0 ? 'Linux' : 'iOS',
    isBot: i % 11 === 0,
    visitorHash: i % 13 === 0 ? null : `visitor-${i % 97}`,
  }));
}

export function batchOf(events: ClickEvent[]): ClickBatch {
  return { v: 1, batchId: randomUUID(), events };
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
  label = 'condition',
) {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${label}; last value ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

/** Waits until the queue has no waiting, delayed or active job and `finished` jobs have completed or failed. */
export async function waitForQueue(queue: Queue, finished: number, timeoutMs = 60_000) {
  return waitFor(
    () => queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed', 'prioritized'),
    (c) =>
      (c.completed ?? 0) + (c.failed ?? 0) >= finished &&
      !c.active &&
      !c.wait &&
      !c.delayed &&
      !c.prioritized,
    timeoutMs,
    `${finished} finished jobs`,
  );
}

export function inspectQueue(name: string, connection: RedisClient, prefix: string): Queue {
  return new Queue(name, { connection, prefix });
}

/**
 * Every roll-up recomputed from the stored click events, and the roll-up tables as a reader sees them once
 * the dimension roll-up has run (the consumer runs it every CLICK_ROLLUP_INTERVAL_MS); an exact pipeline makes
 * each pair equal.
 */
export async function rollupsVersusEvents(pool: Pool) {
  await rollUpCommitted(pool);
  const q = async (sql: string) => (await pool.query(sql)).rows;
  return {
    hourly: {
      stored: await q(
        'SELECT link_id, bucket, clicks::int, bot_clicks::int FROM link_clicks_hourly ORDER BY 1, 2',
      ),
      expected:
        await q(`SELECT link_id, date_trunc('hour', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket, count(*)::int AS clicks,
        count(*) FILTER (WHERE is_bot)::int AS bot_clicks FROM click_events GROUP BY 1, 2 ORDER BY 1, 2`),
    },
    daily: {
      stored: await q(
        'SELECT link_id, bucket::text, clicks::int, bot_clicks::int FROM link_clicks_daily ORDER BY 1, 2',
      ),
      expected:
        await q(`SELECT link_id, (occurred_at AT TIME ZONE 'UTC')::date::text AS bucket, count(*)::int AS clicks,
        count(*) FILTER (WHERE is_bot)::int AS bot_clicks FROM click_events GROUP BY 1, 2 ORDER BY 1, 2`),
    },
    dimensions: {
      stored: await q(`SELECT link_id, bucket::text, dimension, value, clicks::int, bot_clicks::int
        FROM link_dimensions_daily ORDER BY 1, 2, 3, 4`),
      expected: await q(`SELECT link_id, bucket, dimension, value, count(*)::int AS clicks,
          count(*) FILTER (WHERE is_bot)::int AS bot_clicks
        FROM (SELECT link_id, (occurred_at AT TIME ZONE 'UTC')::date::text AS bucket, is_bot, d.dimension, d.value
              FROM click_events CROSS JOIN LATERAL (VALUES
                ('country', coalesce(country, 'unknown')), ('referrer', coalesce(referrer_host, '(direct)')),
                ('variant', variant))
                AS d(dimension, value) WHERE d.value IS NOT NULL) x
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`),
    },
    agents: {
      stored: await q(`SELECT link_id, bucket::text, device, browser, os, clicks::int, bot_clicks::int
        FROM link_agents_daily ORDER BY 1, 2, 3, 4, 5`),
      expected:
        await q(`SELECT link_id, (occurred_at AT TIME ZONE 'UTC')::date::text AS bucket, device, browser, os,
          count(*)::int AS clicks, count(*) FILTER (WHERE is_bot)::int AS bot_clicks
        FROM click_events GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5`),
    },
    // Account roll-ups: one row per ingestion shard, summed; the expected rows group the events by the link's
    // workspace, the account (their user_id column holds the workspace id, ADR 0014).
    accountHourly: {
      stored: await q(`SELECT user_id, bucket, sum(clicks)::int AS clicks, sum(bot_clicks)::int AS bot_clicks
        FROM account_clicks_hourly GROUP BY 1, 2 HAVING sum(clicks) > 0 ORDER BY 1, 2`),
      expected:
        await q(`SELECT l.workspace_id AS user_id, date_trunc('hour', e.occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket,
          count(*)::int AS clicks, count(*) FILTER (WHERE e.is_bot)::int AS bot_clicks
        FROM click_events e JOIN links l ON l.id = e.link_id GROUP BY 1, 2 ORDER BY 1, 2`),
    },
    accountDaily: {
      stored:
        await q(`SELECT user_id, bucket::text, sum(clicks)::int AS clicks, sum(bot_clicks)::int AS bot_clicks
        FROM account_clicks_daily GROUP BY 1, 2 HAVING sum(clicks) > 0 ORDER BY 1, 2`),
      expected:
        await q(`SELECT l.workspace_id AS user_id, (e.occurred_at AT TIME ZONE 'UTC')::date::text AS bucket,
          count(*)::int AS clicks, count(*) FILTER (WHERE e.is_bot)::int AS bot_clicks
        FROM click_events e JOIN links l ON l.id = e.link_id GROUP BY 1, 2 ORDER BY 1, 2`),
    },
    accountDimensions: {
      stored: await q(`SELECT user_id, bucket::text, dimension, value, sum(clicks)::int AS clicks,
          sum(bot_clicks)::int AS bot_clicks
        FROM account_dimensions_daily GROUP BY 1, 2, 3, 4 HAVING sum(clicks) > 0 ORDER BY 1, 2, 3, 4`),
      expected: await q(`SELECT user_id, bucket, dimension, value, count(*)::int AS clicks,
          count(*) FILTER (WHERE is_bot)::int AS bot_clicks
        FROM (SELECT l.workspace_id AS user_id, (e.occurred_at AT TIME ZONE 'UTC')::date::text AS bucket, e.is_bot, d.dimension, d.value
              FROM click_events e JOIN links l ON l.id = e.link_id CROSS JOIN LATERAL (VALUES
                ('country', coalesce(e.country, 'unknown')), ('referrer', coalesce(e.referrer_host, '(direct)')),
                ('device', e.device), ('browser', e.browser), ('os', e.os))
                AS d(dimension, value)) x
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`),
    },
    counts: {
      stored: await q('SELECT id AS link_id, click_count::int FROM links WHERE click_count > 0 ORDER BY 1'),
      expected: await q(
        'SELECT link_id, count(*)::int AS click_count FROM click_events GROUP BY 1 ORDER BY 1',
      ),
    },
  };
}

export async function totals(pool: Pool) {
  const row = await pool.query<{ events: number; hourly: number; daily: number; counted: number }>(`SELECT
    (SELECT count(*)::int FROM click_events) AS events,
    (SELECT coalesce(sum(clicks), 0)::int FROM link_clicks_hourly) AS hourly,
    (SELECT coalesce(sum(clicks), 0)::int FROM link_clicks_daily) AS daily,
    (SELECT coalesce(sum(click_count), 0)::int FROM links) AS counted`);
  return row.rows[0];
}
