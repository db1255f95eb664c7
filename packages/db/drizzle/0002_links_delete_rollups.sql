-- The roll-up tables have no foreign key to links (0001: a per-row key check on every roll-up insert was a
-- quarter of click ingestion's cost). Deleting links, directly or by cascade from their user, still deletes
-- their roll-ups in the same transaction: one statement-level trigger per DELETE, joined on the deleted ids.
-- Ingestion cannot leave an orphan behind: roll-ups are written only in the statement that inserts their
-- click events, whose foreign key makes that statement fail if the link is gone, or makes the delete wait
-- for it to commit (and then delete what it wrote).
CREATE FUNCTION "delete_link_rollups"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "link_clicks_hourly" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_dimensions_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_visitors_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER "links_delete_rollups" AFTER DELETE ON "links"
  REFERENCING OLD TABLE AS "deleted_links"
  FOR EACH STATEMENT EXECUTE FUNCTION "delete_link_rollups"();
