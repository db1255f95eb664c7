import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  char,
  check,
  index,
  pgTable,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * Requests that reached no link, counted per domain, path, kind, UTC minute, referrer host, country and bot
 * flag: what the edges aggregated in memory and flushed through the `orphan-visits` queue. `path` null: the
 * visits an edge only counted (past its bound on distinct paths per flush), per domain, kind and minute.
 * Nulls are not distinct in the key, so those rows are added to like any other.
 */
export const orphanVisits = pgTable(
  'orphan_visits',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    domain: text('domain').notNull(),
    path: text('path'),
    kind: text('kind').notNull(),
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    referrerHost: text('referrer_host'),
    country: char('country', { length: 2 }),
    isBot: boolean('is_bot').notNull(),
    visits: bigint('visits', { mode: 'number' }).notNull(),
  },
  (t) => [
    unique('orphan_visits_key')
      .on(t.domain, t.minute, t.kind, t.path, t.referrerHost, t.country, t.isBot)
      .nullsNotDistinct(),
    // The listing: a domain's newest first, then the cursor's id.
    index('orphan_visits_domain_minute_idx').on(t.domain, t.minute.desc(), t.id.desc()),
    // The retention job's deletes: the oldest minutes first, without a pass over the whole table.
    index('orphan_visits_minute_idx').on(t.minute),
    check('orphan_visits_kind_check', sql`${t.kind} IN ('not-found', 'root', 'gone')`),
    check('orphan_visits_visits_check', sql`${t.visits} > 0`),
  ],
);

/**
 * The orphan-visit batches already counted: a redelivered job finds its id here and adds nothing. The
 * retention job deletes the entries counted before the raw-data retention, together with the visits of those
 * minutes: a batch re-queued after its entry went can only hold minutes that old, which the next run deletes.
 */
export const orphanVisitBatches = pgTable(
  'orphan_visit_batches',
  {
    batchId: uuid('batch_id').primaryKey(),
    countedAt: timestamp('counted_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('orphan_visit_batches_counted_at_idx').on(t.countedAt)],
);

export type OrphanVisitRow = typeof orphanVisits.$inferSelect;
