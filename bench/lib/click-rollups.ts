import {
  DIMENSION_VALUE_MAX,
  DIRECT_REFERRER,
  UNKNOWN_COUNTRY,
} from '../../apps/analytics-consumer/src/ingest/ingest-clicks.ts';

/**
 * Every roll-up ingestion would have written for the events in click_events, built by grouping them all at
 * once the way the consumer's ingestion statement (apps/analytics-consumer/src/ingest/ingest-clicks.ts) groups
 * a batch: same keys, same 'unknown' / '(direct)' substitutes, same bot counts, and links.click_count. The
 * benches seed events with generate_series, then run these statements in order on an empty set of roll-ups.
 * link_visitors_daily stays empty: its rows are written when a day's events leave the retention (migration 0018),
 * and a bench's events are all kept.
 */
export function rollupStatements(): string[] {
  const stored = `SELECT *, date_trunc('hour', occurred_at, 'UTC') AS hour, (occurred_at AT TIME ZONE 'UTC')::date AS day
  FROM click_events`;
  return [
    `INSERT INTO link_clicks_hourly (link_id, bucket, clicks, bot_clicks)
   SELECT link_id, hour, count(*), count(*) FILTER (WHERE is_bot) FROM (${stored}) s GROUP BY 1, 2`,
    `INSERT INTO link_clicks_daily (link_id, bucket, clicks, bot_clicks)
   SELECT link_id, day, count(*), count(*) FILTER (WHERE is_bot) FROM (${stored}) s GROUP BY 1, 2`,
    `INSERT INTO link_dimensions_daily (link_id, bucket, dimension, value, clicks, bot_clicks)
   SELECT s.link_id, s.day, d.dimension, d.value, count(*), count(*) FILTER (WHERE s.is_bot)
   FROM (${stored}) s CROSS JOIN LATERAL (VALUES
     ('country', coalesce(s.country::text, '${UNKNOWN_COUNTRY}')),
     ('referrer', left(coalesce(s.referrer_host, '${DIRECT_REFERRER}'), ${DIMENSION_VALUE_MAX}))) AS d(dimension, value)
   GROUP BY 1, 2, 3, 4`,
    `INSERT INTO link_agents_daily (link_id, bucket, device, browser, os, clicks, bot_clicks)
   SELECT link_id, day, left(device, ${DIMENSION_VALUE_MAX}), left(browser, ${DIMENSION_VALUE_MAX}),
     left(os, ${DIMENSION_VALUE_MAX}), count(*), count(*) FILTER (WHERE is_bot)
   FROM (${stored}) s GROUP BY 1, 2, 3, 4, 5`,
    // The account roll-ups as the same statement writes them, in shard 0 (what migration 0005's backfill does).
    `INSERT INTO account_clicks_hourly (user_id, bucket, shard, clicks, bot_clicks)
   SELECT l.user_id, hour, 0, count(*), count(*) FILTER (WHERE is_bot)
   FROM (${stored}) s JOIN links l ON l.id = s.link_id GROUP BY 1, 2`,
    `INSERT INTO account_clicks_daily (user_id, bucket, shard, clicks, bot_clicks)
   SELECT l.user_id, day, 0, count(*), count(*) FILTER (WHERE is_bot)
   FROM (${stored}) s JOIN links l ON l.id = s.link_id GROUP BY 1, 2`,
    `INSERT INTO account_dimensions_daily (user_id, bucket, dimension, value, shard, clicks, bot_clicks)
   SELECT l.user_id, s.day, d.dimension, d.value, 0, count(*), count(*) FILTER (WHERE s.is_bot)
   FROM (${stored}) s JOIN links l ON l.id = s.link_id CROSS JOIN LATERAL (VALUES
     ('country', coalesce(s.country::text, '${UNKNOWN_COUNTRY}')),
     ('referrer', left(coalesce(s.referrer_host, '${DIRECT_REFERRER}'), ${DIMENSION_VALUE_MAX})),
     ('device', left(s.device, ${DIMENSION_VALUE_MAX})),
     ('browser', left(s.browser, ${DIMENSION_VALUE_MAX})),
     ('os', left(s.os, ${DIMENSION_VALUE_MAX}))) AS d(dimension, value)
   GROUP BY 1, 2, 3, 4`,
    `UPDATE links AS l SET click_count = c.clicks
   FROM (SELECT link_id, count(*) AS clicks FROM click_events GROUP BY 1) AS c WHERE l.id = c.link_id`,
  ];
}
