CREATE TABLE "account_clicks_daily" (
	"user_id" uuid NOT NULL,
	"bucket" date NOT NULL,
	"shard" smallint NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "account_clicks_daily_pkey" PRIMARY KEY("user_id","bucket","shard"),
	CONSTRAINT "account_clicks_daily_counts_check" CHECK ("account_clicks_daily"."clicks" >= 0 AND "account_clicks_daily"."bot_clicks" >= 0 AND "account_clicks_daily"."bot_clicks" <= "account_clicks_daily"."clicks")
);
--> statement-breakpoint
CREATE TABLE "account_clicks_hourly" (
	"user_id" uuid NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"shard" smallint NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "account_clicks_hourly_pkey" PRIMARY KEY("user_id","bucket","shard"),
	CONSTRAINT "account_clicks_hourly_counts_check" CHECK ("account_clicks_hourly"."clicks" >= 0 AND "account_clicks_hourly"."bot_clicks" >= 0 AND "account_clicks_hourly"."bot_clicks" <= "account_clicks_hourly"."clicks")
);
--> statement-breakpoint
CREATE TABLE "account_dimensions_daily" (
	"user_id" uuid NOT NULL,
	"bucket" date NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"shard" smallint NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "account_dimensions_daily_pkey" PRIMARY KEY("user_id","bucket","dimension","value","shard"),
	CONSTRAINT "account_dimensions_daily_dimension_check" CHECK ("account_dimensions_daily"."dimension" IN ('country', 'referrer', 'device', 'browser', 'os')),
	CONSTRAINT "account_dimensions_daily_value_length_check" CHECK (char_length("account_dimensions_daily"."value") <= 255),
	CONSTRAINT "account_dimensions_daily_counts_check" CHECK ("account_dimensions_daily"."clicks" >= 0 AND "account_dimensions_daily"."bot_clicks" >= 0 AND "account_dimensions_daily"."bot_clicks" <= "account_dimensions_daily"."clicks")
);
--> statement-breakpoint
-- Backfill from the per-link roll-ups, all into shard 0. The SHARE locks hold off a consumer that is still
-- running during the migration until this commits; clicks an older consumer ingests after that do not reach
-- the account roll-ups, so consumers are upgraded before or together with this migration (docs/operations/upgrades.md).
LOCK TABLE "link_clicks_hourly", "link_clicks_daily", "link_dimensions_daily", "link_agents_daily" IN SHARE MODE;--> statement-breakpoint
INSERT INTO "account_clicks_hourly" ("user_id", "bucket", "shard", "clicks", "bot_clicks")
  SELECT l."user_id", r."bucket", 0, sum(r."clicks"), sum(r."bot_clicks")
  FROM "link_clicks_hourly" r JOIN "links" l ON l."id" = r."link_id"
  GROUP BY 1, 2;--> statement-breakpoint
INSERT INTO "account_clicks_daily" ("user_id", "bucket", "shard", "clicks", "bot_clicks")
  SELECT l."user_id", r."bucket", 0, sum(r."clicks"), sum(r."bot_clicks")
  FROM "link_clicks_daily" r JOIN "links" l ON l."id" = r."link_id"
  GROUP BY 1, 2;--> statement-breakpoint
-- link_dimensions_daily still holds device, browser and OS rows written before migration 0003; they count too.
INSERT INTO "account_dimensions_daily" ("user_id", "bucket", "dimension", "value", "shard", "clicks", "bot_clicks")
  SELECT l."user_id", u."bucket", u."dimension", u."value", 0, sum(u."clicks"), sum(u."bot_clicks")
  FROM (
    SELECT r."link_id", r."bucket", r."dimension", r."value", r."clicks", r."bot_clicks" FROM "link_dimensions_daily" r
    UNION ALL
    SELECT r."link_id", r."bucket", a."dimension", a."value", r."clicks", r."bot_clicks"
    FROM "link_agents_daily" r CROSS JOIN LATERAL (VALUES
      ('device', r."device"), ('browser', r."browser"), ('os', r."os")) AS a("dimension", "value")
  ) u JOIN "links" l ON l."id" = u."link_id"
  GROUP BY 1, 2, 3, 4;--> statement-breakpoint
-- links_delete_rollups (0002, 0004) now also takes a deleted link's clicks out of its owner's account roll-ups,
-- before deleting the link's own rows (they say what to subtract). For every account key the link touched,
-- the shards are first folded into shard 0, then the link's clicks are subtracted there: no shard can go
-- below zero, whichever lane wrote the clicks. Keys left at zero are deleted, so a deleted user leaves no
-- rows. The fold locks the touched account rows of every shard: a delete waits for the ingestion lanes in
-- flight on that account, which is rare and short. Counts are floored at zero only as a safety net (a
-- delete must never fail): they cannot go below it while the account roll-ups match the per-link ones.
CREATE OR REPLACE FUNCTION "delete_link_rollups"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH keys AS (
    SELECT DISTINCT d."user_id", r."bucket" FROM "link_clicks_hourly" r JOIN "deleted_links" d ON d."id" = r."link_id"
  ), folded AS (
    DELETE FROM "account_clicks_hourly" a USING keys k
    WHERE a."user_id" = k."user_id" AND a."bucket" = k."bucket" AND a."shard" <> 0
    RETURNING a."user_id", a."bucket", a."clicks", a."bot_clicks"
  )
  INSERT INTO "account_clicks_hourly" AS t ("user_id", "bucket", "shard", "clicks", "bot_clicks")
    SELECT "user_id", "bucket", 0, sum("clicks"), sum("bot_clicks") FROM folded GROUP BY 1, 2
    ON CONFLICT ("user_id", "bucket", "shard") DO UPDATE
      SET "clicks" = t."clicks" + excluded."clicks", "bot_clicks" = t."bot_clicks" + excluded."bot_clicks";
  UPDATE "account_clicks_hourly" a
    SET "clicks" = greatest(a."clicks" - x."clicks", 0),
        "bot_clicks" = least(greatest(a."bot_clicks" - x."bot_clicks", 0), greatest(a."clicks" - x."clicks", 0))
    FROM (
      SELECT d."user_id", r."bucket", sum(r."clicks") AS "clicks", sum(r."bot_clicks") AS "bot_clicks"
      FROM "link_clicks_hourly" r JOIN "deleted_links" d ON d."id" = r."link_id" GROUP BY 1, 2
    ) x
    WHERE a."user_id" = x."user_id" AND a."bucket" = x."bucket" AND a."shard" = 0;
  DELETE FROM "account_clicks_hourly" a
    WHERE a."user_id" IN (SELECT "user_id" FROM "deleted_links") AND a."shard" = 0 AND a."clicks" = 0;

  WITH keys AS (
    SELECT DISTINCT d."user_id", r."bucket" FROM "link_clicks_daily" r JOIN "deleted_links" d ON d."id" = r."link_id"
  ), folded AS (
    DELETE FROM "account_clicks_daily" a USING keys k
    WHERE a."user_id" = k."user_id" AND a."bucket" = k."bucket" AND a."shard" <> 0
    RETURNING a."user_id", a."bucket", a."clicks", a."bot_clicks"
  )
  INSERT INTO "account_clicks_daily" AS t ("user_id", "bucket", "shard", "clicks", "bot_clicks")
    SELECT "user_id", "bucket", 0, sum("clicks"), sum("bot_clicks") FROM folded GROUP BY 1, 2
    ON CONFLICT ("user_id", "bucket", "shard") DO UPDATE
      SET "clicks" = t."clicks" + excluded."clicks", "bot_clicks" = t."bot_clicks" + excluded."bot_clicks";
  UPDATE "account_clicks_daily" a
    SET "clicks" = greatest(a."clicks" - x."clicks", 0),
        "bot_clicks" = least(greatest(a."bot_clicks" - x."bot_clicks", 0), greatest(a."clicks" - x."clicks", 0))
    FROM (
      SELECT d."user_id", r."bucket", sum(r."clicks") AS "clicks", sum(r."bot_clicks") AS "bot_clicks"
      FROM "link_clicks_daily" r JOIN "deleted_links" d ON d."id" = r."link_id" GROUP BY 1, 2
    ) x
    WHERE a."user_id" = x."user_id" AND a."bucket" = x."bucket" AND a."shard" = 0;
  DELETE FROM "account_clicks_daily" a
    WHERE a."user_id" IN (SELECT "user_id" FROM "deleted_links") AND a."shard" = 0 AND a."clicks" = 0;

  -- The same deltas twice (fold, then subtract): the second statement must see the first one's rows.
  WITH x AS (
    SELECT d."user_id", u."bucket", u."dimension", u."value", sum(u."clicks") AS "clicks", sum(u."bot_clicks") AS "bot_clicks"
    FROM (
      SELECT r."link_id", r."bucket", r."dimension", r."value", r."clicks", r."bot_clicks"
      FROM "link_dimensions_daily" r WHERE r."link_id" IN (SELECT "id" FROM "deleted_links")
      UNION ALL
      SELECT r."link_id", r."bucket", a."dimension", a."value", r."clicks", r."bot_clicks"
      FROM "link_agents_daily" r CROSS JOIN LATERAL (VALUES
        ('device', r."device"), ('browser', r."browser"), ('os', r."os")) AS a("dimension", "value")
      WHERE r."link_id" IN (SELECT "id" FROM "deleted_links")
    ) u JOIN "deleted_links" d ON d."id" = u."link_id"
    GROUP BY 1, 2, 3, 4
  ), folded AS (
    DELETE FROM "account_dimensions_daily" a USING x
    WHERE a."user_id" = x."user_id" AND a."bucket" = x."bucket" AND a."dimension" = x."dimension"
      AND a."value" = x."value" AND a."shard" <> 0
    RETURNING a."user_id", a."bucket", a."dimension", a."value", a."clicks", a."bot_clicks"
  )
  INSERT INTO "account_dimensions_daily" AS t ("user_id", "bucket", "dimension", "value", "shard", "clicks", "bot_clicks")
    SELECT "user_id", "bucket", "dimension", "value", 0, sum("clicks"), sum("bot_clicks") FROM folded GROUP BY 1, 2, 3, 4
    ON CONFLICT ("user_id", "bucket", "dimension", "value", "shard") DO UPDATE
      SET "clicks" = t."clicks" + excluded."clicks", "bot_clicks" = t."bot_clicks" + excluded."bot_clicks";
  WITH x AS (
    SELECT d."user_id", u."bucket", u."dimension", u."value", sum(u."clicks") AS "clicks", sum(u."bot_clicks") AS "bot_clicks"
    FROM (
      SELECT r."link_id", r."bucket", r."dimension", r."value", r."clicks", r."bot_clicks"
      FROM "link_dimensions_daily" r WHERE r."link_id" IN (SELECT "id" FROM "deleted_links")
      UNION ALL
      SELECT r."link_id", r."bucket", a."dimension", a."value", r."clicks", r."bot_clicks"
      FROM "link_agents_daily" r CROSS JOIN LATERAL (VALUES
        ('device', r."device"), ('browser', r."browser"), ('os', r."os")) AS a("dimension", "value")
      WHERE r."link_id" IN (SELECT "id" FROM "deleted_links")
    ) u JOIN "deleted_links" d ON d."id" = u."link_id"
    GROUP BY 1, 2, 3, 4
  )
  UPDATE "account_dimensions_daily" a
    SET "clicks" = greatest(a."clicks" - x."clicks", 0),
        "bot_clicks" = least(greatest(a."bot_clicks" - x."bot_clicks", 0), greatest(a."clicks" - x."clicks", 0))
    FROM x
    WHERE a."user_id" = x."user_id" AND a."bucket" = x."bucket" AND a."dimension" = x."dimension"
      AND a."value" = x."value" AND a."shard" = 0;
  DELETE FROM "account_dimensions_daily" a
    WHERE a."user_id" IN (SELECT "user_id" FROM "deleted_links") AND a."shard" = 0 AND a."clicks" = 0;

  DELETE FROM "click_events" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_hourly" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_dimensions_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_agents_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_visitors_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  RETURN NULL;
END
$$;
