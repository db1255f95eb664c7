-- The hourly retention job deletes orphan visits and their ledger entries older than CLICK_EVENT_RETENTION_DAYS,
-- oldest first, in chunks: these indexes let it find them without reading either table whole.
CREATE INDEX "orphan_visit_batches_counted_at_idx" ON "orphan_visit_batches" USING btree ("counted_at");--> statement-breakpoint
CREATE INDEX "orphan_visits_minute_idx" ON "orphan_visits" USING btree ("minute");