import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  date,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/** Every breakdown account_dimensions_daily holds, the user-agent three included (one row per value). */
export const accountDimensions = ['country', 'referrer', 'device', 'browser', 'os'] as const;
export type AccountDimension = (typeof accountDimensions)[number];

// Account roll-ups: the per-link roll-ups summed over the links of one owner, so account-wide statistics
// read rows that grow with days × distinct values, never with clicks or links (ADR 0004).
//
// Written by the same ingestion statement as the per-link roll-ups (a redelivered event adds nothing here
// either). `shard` is the consumer lane that wrote the row: lanes own disjoint links but share their owner's
// rows, so each lane writes its own and readers sum the shards; two lanes never wait for each other's
// account rows. No foreign key to users, as every roll-up: links_delete_rollups (migration 0005) subtracts
// a deleted link's clicks and folds the touched keys into shard 0, and a deleted user's rows go with their
// links.

const counts = (clicks: unknown, botClicks: unknown) =>
  sql`${clicks} >= 0 AND ${botClicks} >= 0 AND ${botClicks} <= ${clicks}`;

/** Clicks per account per UTC hour (bots included in `clicks`, their subset in `bot_clicks`). */
export const accountClicksHourly = pgTable(
  'account_clicks_hourly',
  {
    userId: uuid('user_id').notNull(),
    bucket: timestamp('bucket', { withTimezone: true }).notNull(),
    shard: smallint('shard').notNull(),
    clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
    botClicks: bigint('bot_clicks', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'account_clicks_hourly_pkey', columns: [t.userId, t.bucket, t.shard] }),
    check('account_clicks_hourly_counts_check', counts(t.clicks, t.botClicks)),
  ],
);

/** Clicks per account per UTC day. */
export const accountClicksDaily = pgTable(
  'account_clicks_daily',
  {
    userId: uuid('user_id').notNull(),
    bucket: date('bucket', { mode: 'string' }).notNull(),
    shard: smallint('shard').notNull(),
    clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
    botClicks: bigint('bot_clicks', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ name: 'account_clicks_daily_pkey', columns: [t.userId, t.bucket, t.shard] }),
    check('account_clicks_daily_counts_check', counts(t.clicks, t.botClicks)),
  ],
);

/**
 * Clicks per account, UTC day, dimension and value. Device, browser and OS are stored as dimensions of
 * their own (unlike link_agents_daily's combinations), so the account-wide lists need no expansion.
 */
export const accountDimensionsDaily = pgTable(
  'account_dimensions_daily',
  {
    userId: uuid('user_id').notNull(),
    bucket: date('bucket', { mode: 'string' }).notNull(),
    dimension: text('dimension').$type<AccountDimension>().notNull(),
    value: text('value').notNull(),
    shard: smallint('shard').notNull(),
    clicks: bigint('clicks', { mode: 'number' }).notNull().default(0),
    botClicks: bigint('bot_clicks', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({
      name: 'account_dimensions_daily_pkey',
      columns: [t.userId, t.bucket, t.dimension, t.value, t.shard],
    }),
    check(
      'account_dimensions_daily_dimension_check',
      sql`${t.dimension} IN ('country', 'referrer', 'device', 'browser', 'os')`,
    ),
    check('account_dimensions_daily_value_length_check', sql`char_length(${t.value}) <= 255`),
    check('account_dimensions_daily_counts_check', counts(t.clicks, t.botClicks)),
  ],
);

export type AccountClicksHourly = typeof accountClicksHourly.$inferSelect;
export type AccountClicksDaily = typeof accountClicksDaily.$inferSelect;
export type AccountDimensionsDaily = typeof accountDimensionsDaily.$inferSelect;
