-- A link's unique visitors are counted from link_visitors_daily's primary key alone (an index-only scan): the
-- key now carries is_bot (INCLUDE), which the human-only count filters on, so the count no longer visits one
-- heap page per visitor row (9,263 pages for one link over 90 days with 10M clicks stored). The rows are never
-- updated (ingestion inserts them with DO NOTHING), so a wider key costs no HOT update; is_bot adds a byte
-- (and its alignment) to each key entry.
--
-- The new key is built first with a plain CREATE UNIQUE INDEX: it locks out writes (ingestion waits, its jobs
-- stay queued) but not reads while it is built, then the swap itself is instant. The build takes about as long
-- as reading the table once (see docs/operations/upgrades.md).
CREATE UNIQUE INDEX "link_visitors_daily_pkey_new" ON "link_visitors_daily" USING btree ("link_id", "bucket", "visitor_hash") INCLUDE ("is_bot");--> statement-breakpoint
ALTER TABLE "link_visitors_daily" DROP CONSTRAINT "link_visitors_daily_pkey";--> statement-breakpoint
ALTER TABLE "link_visitors_daily" ADD CONSTRAINT "link_visitors_daily_pkey" PRIMARY KEY USING INDEX "link_visitors_daily_pkey_new";
