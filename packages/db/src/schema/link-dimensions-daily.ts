import { sql } from 'drizzle-orm';
import { bigint, check, date, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

import type { AgentDimension } from './link-agents-daily.ts';

/** The dimensions ingestion writes here; device, browser and OS go to link_agents_daily (migration 0003). */
export const clickDimensions = ['country', 'referrer'] as const;
export type ClickDimension = (typeof clickDimensions)[number];
/** The A/B variant a click was sent to (a link's split), counted per day like country and referrer. */
export const VARIANT_DIMENSION = 'variant';
export type VariantDimension = typeof VARIANT_DIMENSION;

/**
 * Clicks per link, UTC day, dimension and value (e.g. country = 'DE'). Feeds the "top countries and
 * referrers" lists without scanning raw click events.
 *
 * Rows written before migration 0003 also hold 'device', 'browser' and 'os' values, one dimension per row:
 * they cannot be recombined into link_agents_daily's combinations, so they stay here (the dimension check
 * was added NOT VALID: it binds new rows only) and the stats read them alongside link_agents_daily.
 */
export const linkDimensionsDaily = pgTable(
  'link_dimensions_daily',
  {
    // No foreign key: every roll-up row is written only for click events just inserted in the same
    // statement, and click_events' own foreign key holds the link (key share lock) until that commits;
    // a per-row key check here was a quarter of the ingestion cost. The trigger links_delete_rollups
    // (migration 0002) deletes a link's roll-ups with the link, as a cascade would.
    linkId: uuid('link_id').notNull(),
    bucket: date('bucket', { mode: 'string' }).notNull(),
    dimension: text('dimension').$type<ClickDimension | VariantDimension | AgentDimension>().notNull(),
    value: text('value').notNull(),
    clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
    botClicks: bigint('bot_clicks', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({
      name: 'link_dimensions_daily_pkey',
      columns: [t.linkId, t.bucket, t.dimension, t.value],
    }),
    check('link_dimensions_daily_dimension_check', sql`${t.dimension} IN ('country', 'referrer', 'variant')`),
    check('link_dimensions_daily_value_length_check', sql`char_length(${t.value}) <= 255`),
    check(
      'link_dimensions_daily_counts_check',
      sql`${t.clicks} >= 0 AND ${t.botClicks} >= 0 AND ${t.botClicks} <= ${t.clicks}`,
    ),
  ],
);

export type LinkDimensionsDaily = typeof linkDimensionsDaily.$inferSelect;
export type NewLinkDimensionsDaily = typeof linkDimensionsDaily.$inferInsert;
