import { sql } from 'drizzle-orm';
import { bigint, check, date, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

/** The user-agent breakdowns stored together in link_agents_daily, one column each. */
export const agentDimensions = ['device', 'browser', 'os'] as const;
export type AgentDimension = (typeof agentDimensions)[number];

/**
 * Clicks per link, UTC day and user-agent combination (device, browser, OS). One row per combination
 * instead of one per dimension in link_dimensions_daily: ingestion writes one row per click here instead
 * of three, and the device, browser and OS lists are this table summed by the one column asked for.
 */
export const linkAgentsDaily = pgTable(
  'link_agents_daily',
  {
    // No foreign key, as every roll-up (see link-dimensions-daily.ts); links_delete_rollups deletes a
    // link's rows with the link (migration 0003 added this table to it).
    linkId: uuid('link_id').notNull(),
    bucket: date('bucket', { mode: 'string' }).notNull(),
    device: text('device').notNull(),
    browser: text('browser').notNull(),
    os: text('os').notNull(),
    clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
    botClicks: bigint('bot_clicks', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({
      name: 'link_agents_daily_pkey',
      columns: [t.linkId, t.bucket, t.device, t.browser, t.os],
    }),
    check(
      'link_agents_daily_value_length_check',
      sql`char_length(${t.device}) <= 255 AND char_length(${t.browser}) <= 255 AND char_length(${t.os}) <= 255`,
    ),
    check(
      'link_agents_daily_counts_check',
      sql`${t.clicks} >= 0 AND ${t.botClicks} >= 0 AND ${t.botClicks} <= ${t.clicks}`,
    ),
  ],
);

export type LinkAgentsDaily = typeof linkAgentsDaily.$inferSelect;
export type NewLinkAgentsDaily = typeof linkAgentsDaily.$inferInsert;
