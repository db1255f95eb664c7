import { boolean, date, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';

/**
 * One row per distinct visitor per link per UTC day, for the days whose raw events have left the retention: a day's
 * visitors are folded in when its click_events partition is dropped (migration 0018; consumers of earlier releases
 * wrote them for every day). Unique visitors are a COUNT over these rows and the kept raw events together.
 * The visitor hash salt rotates daily, so the same person on two days counts twice by design.
 */
export const linkVisitorsDaily = pgTable(
  'link_visitors_daily',
  {
    // No foreign key: every roll-up row is written only for click events just inserted in the same
    // statement, and click_events' own foreign key holds the link (key share lock) until that commits;
    // a per-row key check here was a quarter of the ingestion cost. The trigger links_delete_rollups
    // (migration 0002) deletes a link's roll-ups with the link, as a cascade would.
    linkId: uuid('link_id').notNull(),
    bucket: date('bucket', { mode: 'string' }).notNull(),
    visitorHash: text('visitor_hash').notNull(),
    isBot: boolean('is_bot').notNull().default(false),
  },
  // The primary key also INCLUDEs is_bot (migration 0007; drizzle's primaryKey cannot say so): a link's
  // human visitors are counted from the key alone, without a heap page per row.
  (t) => [primaryKey({ name: 'link_visitors_daily_pkey', columns: [t.linkId, t.bucket, t.visitorHash] })],
);

export type LinkVisitorsDaily = typeof linkVisitorsDaily.$inferSelect;
export type NewLinkVisitorsDaily = typeof linkVisitorsDaily.$inferInsert;
