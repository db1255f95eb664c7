import type { TestApi } from './api.ts';

/** One click as the analytics consumer stores it. */
export interface Click {
  linkId: string;
  occurredAt: string;
  country: string | null;
  referrer: string | null;
  device: string;
  browser: string;
  os: string;
  bot: boolean;
  visitor: string;
  /** The link's A/B variant; none when absent. */
  variant?: string | null;
}

/**
 * Stores clicks as the analytics consumer's ingestion does (apps/analytics-consumer/src/ingest/ingest-clicks.ts):
 * the raw events, every per-link and account roll-up grouped from them with the same keys and substitutes
 * ('unknown', '(direct)'), links.click_count, and the visitors in the account's HyperLogLog sketches. Call it
 * once per file: the roll-ups are built from these events alone.
 */
export async function recordClicks(api: TestApi, clicks: readonly Click[]): Promise<void> {
  const pool = api.database.pool;
  const inserted = await pool.query<{ event_id: string }>(
    `INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash, variant)
     SELECT gen_random_uuid(), e.link_id, e.occurred_at, e.referrer, e.country, e.device, e.browser, e.os, e.bot, e.visitor, e.variant
     FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bool[], $9::text[], $10::text[])
       AS e(link_id, occurred_at, referrer, country, device, browser, os, bot, visitor, variant)
     RETURNING event_id`,
    [
      clicks.map((c) => c.linkId),
      clicks.map((c) => c.occurredAt),
      clicks.map((c) => c.referrer),
      clicks.map((c) => c.country),
      clicks.map((c) => c.device),
      clicks.map((c) => c.browser),
      clicks.map((c) => c.os),
      clicks.map((c) => c.bot),
      clicks.map((c) => c.visitor),
      clicks.map((c) => c.variant ?? null),
    ],
  );
  const ids = inserted.rows.map((row) => row.event_id);
  const events = `SELECT e.*, l.workspace_id, date_trunc('hour', e.occurred_at, 'UTC') AS hour,
      (e.occurred_at AT TIME ZONE 'UTC')::date AS day
    FROM click_events e JOIN links l ON l.id = e.link_id WHERE e.event_id = ANY($1::uuid[])`;
  const rollups = [
    `INSERT INTO link_clicks_hourly (link_id, bucket, clicks, bot_clicks)
     SELECT link_id, hour, count(*), count(*) FILTER (WHERE is_bot) FROM (${events}) s GROUP BY 1, 2`,
    `INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks)
     SELECT link_id, day, count(*), count(*) FILTER (WHERE is_bot) FROM (${events}) s GROUP BY 1, 2`,
    `INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks, bot_clicks)
     SELECT s.link_id, s.day, d.dimension, d.value, count(*), count(*) FILTER (WHERE s.is_bot)
     FROM (${events}) s CROSS JOIN LATERAL (VALUES
       ('country', coalesce(s.country::text, 'unknown')), ('referrer', coalesce(s.referrer_host, '(direct)')),
       ('variant', s.variant)
     ) AS d(dimension, value) WHERE d.value IS NOT NULL GROUP BY 1, 2, 3, 4`,
    `INSERT INTO link_agents_daily (link_id, bucket, device, browser, os, clicks, bot_clicks)
     SELECT link_id, day, device, browser, os, count(*), count(*) FILTER (WHERE is_bot)
     FROM (${events}) s GROUP BY 1, 2, 3, 4, 5`,
    `INSERT INTO account_clicks_hourly (user_id, bucket, shard, clicks, bot_clicks)
     SELECT workspace_id, hour, 0, count(*), count(*) FILTER (WHERE is_bot) FROM (${events}) s GROUP BY 1, 2`,
    `INSERT INTO account_clicks_daily (user_id, bucket, shard, clicks, bot_clicks)
     SELECT workspace_id, day, 0, count(*), count(*) FILTER (WHERE is_bot) FROM (${events}) s GROUP BY 1, 2`,
    `INSERT INTO account_dimensions_daily (user_id, bucket, dimension, value, shard, clicks, bot_clicks)
     SELECT s.workspace_id, s.day, d.dimension, d.value, 0, count(*), count(*) FILTER (WHERE s.is_bot)
     FROM (${events}) s CROSS JOIN LATERAL (VALUES
       ('country', coalesce(s.country::text, 'unknown')), ('referrer', coalesce(s.referrer_host, '(direct)')),
       ('device', s.device), ('browser', s.browser), ('os', s.os)
     ) AS d(dimension, value) GROUP BY 1, 2, 3, 4`,
    `UPDATE links l SET click_count = l.click_count + c.clicks
     FROM (SELECT link_id, count(*) AS clicks FROM (${events}) s GROUP BY 1) c WHERE l.id = c.link_id`,
  ];
  for (const statement of rollups) await pool.query(statement, [ids]);
  const visitors = await pool.query<{
    workspace_id: string;
    day: string;
    visitor_hash: string;
    bot: boolean;
  }>(
    `SELECT DISTINCT workspace_id, to_char(day, 'YYYY-MM-DD') AS day, visitor_hash, is_bot AS bot FROM (${events}) s`,
    [ids],
  );
  for (const v of visitors.rows) {
    await api.redis.pfadd(
      api.keys.accountVisitors(v.workspace_id, v.day, v.bot ? 'bot' : 'human'),
      v.visitor_hash,
    );
  }
}
