import { sql } from 'drizzle-orm';
import { boolean, char, check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One row per served redirect. `event_id` is minted by the edge, so a redelivered queue job inserts
 * nothing twice (`ON CONFLICT (event_id) DO NOTHING`) and roll-ups are added only for new rows.
 */
export const clickEvents = pgTable(
  'click_events',
  {
    eventId: uuid('event_id').primaryKey(),
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
  },
  (t) => [
    index('click_events_link_id_occurred_at_idx').on(t.linkId, t.occurredAt),
    check('click_events_country_check', sql`${t.country} IS NULL OR ${t.country} ~ '^[A-Z]{2}$'`),
  ],
);

export type ClickEvent = typeof clickEvents.$inferSelect;
export type NewClickEvent = typeof clickEvents.$inferInsert;
