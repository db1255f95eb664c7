import { boolean, date, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { links } from './links.ts';

/**
 * One row per distinct visitor per link per UTC day, so unique visitors are a COUNT over a day range.
 * The visitor hash salt rotates daily, so the same person on two days counts twice by design.
 */
export const linkVisitorsDaily = pgTable(
  'link_visitors_daily',
  {
    linkId: uuid('link_id')
      .notNull()
      .references(() => links.id, { onDelete: 'cascade' }),
    bucket: date('bucket', { mode: 'string' }).notNull(),
    visitorHash: text('visitor_hash').notNull(),
    isBot: boolean('is_bot').notNull().default(false),
  },
  (t) => [primaryKey({ name: 'link_visitors_daily_pkey', columns: [t.linkId, t.bucket, t.visitorHash] })],
);

export type LinkVisitorsDaily = typeof linkVisitorsDaily.$inferSelect;
export type NewLinkVisitorsDaily = typeof linkVisitorsDaily.$inferInsert;
