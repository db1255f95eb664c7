-- Filtered statistics (country, referrer, device, browser, os) count a link's raw click events of a range: up
-- to a million rows of one link over 30 days, scattered over every heap page of each day partition (events are
-- stored in arrival order, all links mixed). The index that finds a link's events now also carries every
-- column those counts read (INCLUDE), so they are an index-only scan of the link's entries instead of reading
-- each day partition's heap whole (ADR 0016, bench/results/stats-filters.md). It replaces the plain
-- (link_id, occurred_at) index under the same name and the same key, so the visits listing and export, which
-- walk it in key order, read it as before; a click still writes one entry to it, a wider one.
--
-- On a partitioned table the index is built on every partition in this statement (no CONCURRENTLY): ingestion
-- waits while it is built (its jobs stay queued), reads do not; the partition job's new day partitions get it
-- when they are attached. The build reads click_events once (see docs/operations/upgrades.md).
CREATE INDEX "click_events_link_id_occurred_at_covering_idx" ON "click_events" USING btree ("link_id", "occurred_at") INCLUDE ("country", "device", "browser", "os", "referrer_host", "is_bot", "visitor_hash", "variant");--> statement-breakpoint
DROP INDEX "click_events_link_id_occurred_at_idx";--> statement-breakpoint
ALTER INDEX "click_events_link_id_occurred_at_covering_idx" RENAME TO "click_events_link_id_occurred_at_idx";
