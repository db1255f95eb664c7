-- click_events loses its foreign key to links. The key's check ran once per inserted event (a query and a
-- key-share lock on the link each time: about a tenth of an ingestion statement). Ingestion now takes
-- that lock itself, once per link of a batch, before it inserts anything (see the consumer's
-- ingest-clicks.ts): a link deleted before that is skipped, and a delete that comes later waits for the
-- batch to commit. So the guarantee the key gave still holds. Deleting links, directly or by cascade from
-- their user, deletes their events with their roll-ups in the same statement-level trigger (0002).
ALTER TABLE "click_events" DROP CONSTRAINT "click_events_link_id_links_id_fk";--> statement-breakpoint
CREATE OR REPLACE FUNCTION "delete_link_rollups"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "click_events" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_hourly" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_dimensions_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_agents_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_visitors_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  RETURN NULL;
END
$$;
