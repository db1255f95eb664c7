import { sql } from 'drizzle-orm';
import { bigint, check, date, pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';

/** Clicks per link per UTC day; same counting rules as the hourly roll-up. */
export const linkClicksDaily = pgTable(
  'link_clicks_daily',
  {
    // No foreign key: every roll-up row is written only for click events just inserted in the same
    // statement, and click_events' own foreign key holds the link (key share lock) until that commits;
    // a per-row key check here was a quarter of the ingestion cost. The trigger links_delete_rollups
    // (migration 0002) deletes a link's roll-ups with the link, as a cascade would.
    linkId: uuid('link_id').notNull(),
    // 'YYYY-MM-DD' strings: a calendar day has no time zone to get wrong in a JS Date.
    bucket: date('bucket', { mode: 'string' }).notNull(),
    clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
    botClicks: bigint('bot_clicks', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'link_clicks_daily_pkey', columns: [t.linkId, t.bucket] }),
    check(
      'link_clicks_daily_counts_check',
      sql`${t.clicks} >= 0 AND ${t.botClicks} >= 0 AND ${t.botClicks} <= ${t.clicks}`,
    ),
  ],
);

export type LinkClicksDaily = typeof linkClicksDaily.$inferSelect;
export type NewLinkClicksDaily = typeof linkClicksDaily.$inferInsert;
