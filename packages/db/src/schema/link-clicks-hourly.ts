import { sql } from 'drizzle-orm';
import { bigint, check, pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * Clicks per link per UTC hour. `clicks` counts every click, bots included; `bot_clicks` is the bot
 * subset, so human clicks are `clicks - bot_clicks`.
 */
export const linkClicksHourly = pgTable(
  'link_clicks_hourly',
  {
    // No foreign key: every roll-up row is written only for click events just inserted in the same
    // statement, and click_events' own foreign key holds the link (key share lock) until that commits;
    // a per-row key check here was a quarter of the ingestion cost. The trigger links_delete_rollups
    // (migration 0002) deletes a link's roll-ups with the link, as a cascade would.
    linkId: uuid('link_id').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
    botClicks: bigint('bot_clicks', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'link_clicks_hourly_pkey', columns: [t.linkId, t.bucket] }),
    // Judged in UTC so the rule does not depend on the session's TimeZone setting.
    check(
      'link_clicks_hourly_bucket_hour_check',
      sql`date_trunc('hour', ${t.bucket} AT TIME ZONE 'UTC') = (${t.bucket} AT TIME ZONE 'UTC')`,
    ),
    check(
      'link_clicks_hourly_counts_check',
      sql`${t.clicks} >= 0 AND ${t.botClicks} >= 0 AND ${t.botClicks} <= ${t.clicks}`,
    ),
  ],
);

export type LinkClicksHourly = typeof linkClicksHourly.$inferSelect;
export type NewLinkClicksHourly = typeof linkClicksHourly.$inferInsert;
