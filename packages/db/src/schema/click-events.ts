import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  char,
  check,
  index,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * One row per served redirect. `event_id` is minted by the edge, so a redelivered queue job inserts
 * nothing twice (`ON CONFLICT (event_id, occurred_at) DO NOTHING`) and roll-ups are added only for new rows.
 *
 * The table is partitioned by day on occurred_at (migration 0011, ADR 0015), which drizzle cannot declare:
 * this definition describes its columns and keys for queries, the partitions live in the migrations and in
 * the consumer's partition job. A key of a partitioned table must hold the partition column, so the
 * primary key is (event_id, occurred_at); a redelivered event carries the same occurred_at as its first
 * delivery (both come from the queued payload), so the pair is as unique as event_id alone was.
 */
export const clickEvents = pgTable(
  'click_events',
  {
    eventId: uuid('event_id').notNull(),
    // No foreign key (see migration 0004): ingestion key-share-locks the links it writes for, and deleting a
    // link deletes its events with its roll-ups (trigger links_delete_rollups).
    linkId: uuid('link_id').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    referrerHost: text('referrer_host'),
    country: char('country', { length: 2 }),
    device: text('device').notNull(),
    browser: text('browser').notNull(),
    os: text('os').notNull(),
    isBot: boolean('is_bot').notNull().default(false),
    // Keyed hash of IP and User-Agent with a daily salt: counts unique visitors, never stores an IP.
    visitorHash: text('visitor_hash'),
    // The name of the link's A/B variant the visitor was sent to; null without a split (or a rule won). Its
    // format is the click contract's (packages/queues); no check here, which would scan every partition.
    variant: text('variant'),
    // The ingesting transaction's id (pg_current_xact_id()): the dimension roll-up reads the events of the
    // transactions that finished since its last run by this column (ADR 0018). Null for events ingested before
    // migration 0017, whose dimension rows their own transaction wrote.
    ingestXid: bigint('ingest_xid', { mode: 'number' }),
  },
  (t) => [
    primaryKey({ name: 'click_events_pkey', columns: [t.eventId, t.occurredAt] }),
    // The index also INCLUDEs country, device, browser, os, referrer_host, is_bot, visitor_hash and variant (migration
    // 0016; drizzle's index cannot say so): filtered stats count a link's events from it alone (ADR 0016).
    index('click_events_link_id_occurred_at_idx').on(t.linkId, t.occurredAt),
    // Events are appended in ingestion order, so a block range's transaction ids are close together: a BRIN
    // index finds the recent transactions' events in each partition for a few bytes per 32 pages.
    index('click_events_ingest_xid_idx')
      .using('brin', t.ingestXid)
      .with({ pages_per_range: 32, autosummarize: true }),
    check('click_events_country_check', sql`${t.country} IS NULL OR ${t.country} ~ '^[A-Z]{2}$'`),
  ],
);

export type ClickEvent = typeof clickEvents.$inferSelect;
export type NewClickEvent = typeof clickEvents.$inferInsert;

/**
 * How far the dimension roll-up has read click_events (ADR 0018): every event whose `ingest_xid` is below
 * `next_xid` is in link_dimensions_daily, link_agents_daily and account_dimensions_daily.
 * One row; the roll-up advances it in the transaction that writes those rows, so a run counts each event once.
 */
export const clickRollupProgress = pgTable(
  'click_rollup_progress',
  {
    id: smallint('id').primaryKey().default(1),
    nextXid: bigint('next_xid', { mode: 'number' }).notNull(),
    rolledUpAt: timestamp('rolled_up_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check('click_rollup_progress_single_row', sql`${t.id} = 1`)],
);
