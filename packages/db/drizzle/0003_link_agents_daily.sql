-- Device, browser and OS move from link_dimensions_daily (one row per click per dimension, three of the five
-- rows a click wrote there) to link_agents_daily (one row per click per device+browser+OS combination), so
-- ingestion writes three roll-up rows per click instead of five. The device, browser and OS lists are
-- link_agents_daily summed by the one column asked for.
--
-- Rows already in link_dimensions_daily for device, browser and OS are kept: each holds one dimension, so
-- the combinations of link_agents_daily cannot be rebuilt from them, and the stats read them alongside the
-- new table, so every click counted before this migration stays counted. The tightened dimension check is
-- therefore NOT VALID: it binds every row written from now on, and skips the check of the old rows
-- (do not VALIDATE it while such rows exist).
CREATE TABLE "link_agents_daily" (
	"link_id" uuid NOT NULL,
	"bucket" date NOT NULL,
	"device" text NOT NULL,
	"browser" text NOT NULL,
	"os" text NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "link_agents_daily_pkey" PRIMARY KEY("link_id","bucket","device","browser","os"),
	CONSTRAINT "link_agents_daily_value_length_check" CHECK (char_length("link_agents_daily"."device") <= 255 AND char_length("link_agents_daily"."browser") <= 255 AND char_length("link_agents_daily"."os") <= 255),
	CONSTRAINT "link_agents_daily_counts_check" CHECK ("link_agents_daily"."clicks" >= 0 AND "link_agents_daily"."bot_clicks" >= 0 AND "link_agents_daily"."bot_clicks" <= "link_agents_daily"."clicks")
);
--> statement-breakpoint
ALTER TABLE "link_dimensions_daily" DROP CONSTRAINT "link_dimensions_daily_dimension_check";--> statement-breakpoint
ALTER TABLE "link_dimensions_daily" ADD CONSTRAINT "link_dimensions_daily_dimension_check" CHECK ("link_dimensions_daily"."dimension" IN ('country', 'referrer')) NOT VALID;--> statement-breakpoint
-- links_delete_rollups (0002) deletes a link's roll-ups with the link; it now covers link_agents_daily too.
CREATE OR REPLACE FUNCTION "delete_link_rollups"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "link_clicks_hourly" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_dimensions_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_agents_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_visitors_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  RETURN NULL;
END
$$;
