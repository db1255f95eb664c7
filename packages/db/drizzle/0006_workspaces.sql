CREATE TABLE "audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"workspace_id" uuid NOT NULL,
	"actor_user_id" uuid,
	"actor_key_id" uuid,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "audit_events_action_length_check" CHECK (char_length("audit_events"."action") BETWEEN 1 AND 100)
);
--> statement-breakpoint
CREATE TABLE "workspace_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by" uuid,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspace_invitations_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "workspace_invitations_role_check" CHECK ("workspace_invitations"."role" IN ('admin', 'member', 'viewer')),
	CONSTRAINT "workspace_invitations_token_hash_sha256_check" CHECK ("workspace_invitations"."token_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "workspace_invitations_email_lower_check" CHECK ("workspace_invitations"."email" = lower("workspace_invitations"."email")),
	CONSTRAINT "workspace_invitations_email_length_check" CHECK (char_length("workspace_invitations"."email") BETWEEN 3 AND 320)
);
--> statement-breakpoint
CREATE TABLE "workspace_members" (
	"workspace_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspace_members_pkey" PRIMARY KEY("workspace_id","user_id"),
	CONSTRAINT "workspace_members_role_check" CHECK ("workspace_members"."role" IN ('owner', 'admin', 'member', 'viewer'))
);
--> statement-breakpoint
CREATE TABLE "workspaces" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"personal" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workspaces_name_length_check" CHECK (char_length("workspaces"."name") BETWEEN 1 AND 100)
);
--> statement-breakpoint
DROP INDEX "api_keys_user_id_created_at_idx";--> statement-breakpoint
DROP INDEX "campaigns_user_id_created_at_idx";--> statement-breakpoint
DROP INDEX "links_user_id_created_at_id_idx";--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "workspace_id" uuid;--> statement-breakpoint
ALTER TABLE "campaigns" ADD COLUMN "workspace_id" uuid;--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "workspace_id" uuid;--> statement-breakpoint
-- Every user gets a personal workspace carrying the user's own id (ADR 0014), owned by the user; every
-- link, campaign and API key moves into its creator's personal workspace. Roll-ups, visitor sketches and
-- budgets keyed by account before keep their key: the account is now the workspace, and for everything
-- that exists today the two ids are the same.
INSERT INTO "workspaces" ("id", "name", "personal", "created_at")
  SELECT "id", 'Personal', true, "created_at" FROM "users";--> statement-breakpoint
INSERT INTO "workspace_members" ("workspace_id", "user_id", "role", "created_at")
  SELECT "id", "id", 'owner', "created_at" FROM "users";--> statement-breakpoint
UPDATE "links" SET "workspace_id" = "user_id";--> statement-breakpoint
UPDATE "campaigns" SET "workspace_id" = "user_id";--> statement-breakpoint
UPDATE "api_keys" SET "workspace_id" = "user_id";--> statement-breakpoint
ALTER TABLE "links" ALTER COLUMN "workspace_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "campaigns" ALTER COLUMN "workspace_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ALTER COLUMN "workspace_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_invitations" ADD CONSTRAINT "workspace_invitations_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_invitations" ADD CONSTRAINT "workspace_invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_invitations" ADD CONSTRAINT "workspace_invitations_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_members" ADD CONSTRAINT "workspace_members_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_members" ADD CONSTRAINT "workspace_members_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_events_workspace_id_id_idx" ON "audit_events" USING btree ("workspace_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "workspace_invitations_workspace_id_created_at_idx" ON "workspace_invitations" USING btree ("workspace_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "workspace_members_user_id_idx" ON "workspace_members" USING btree ("user_id");--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_workspace_id_created_at_idx" ON "api_keys" USING btree ("workspace_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "campaigns_workspace_id_created_at_idx" ON "campaigns" USING btree ("workspace_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "links_workspace_id_created_at_id_idx" ON "links" USING btree ("workspace_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
-- A user is created with its personal workspace, whoever creates it (sign-up, an admin, a test, a script),
-- and a deleted user's personal workspace goes with it.
CREATE OR REPLACE FUNCTION "create_personal_workspace"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "workspaces" ("id", "name", "personal") VALUES (NEW."id", 'Personal', true);
  INSERT INTO "workspace_members" ("workspace_id", "user_id", "role") VALUES (NEW."id", NEW."id", 'owner');
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "users_create_personal_workspace" AFTER INSERT ON "users"
  FOR EACH ROW EXECUTE FUNCTION "create_personal_workspace"();--> statement-breakpoint
CREATE OR REPLACE FUNCTION "delete_personal_workspace"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "workspaces" WHERE "id" = OLD."id" AND "personal";
  RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "users_delete_personal_workspace" AFTER DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION "delete_personal_workspace"();--> statement-breakpoint
-- A row written without a workspace (an API or script from before workspaces, still running during the
-- upgrade) lands in its creator's personal workspace. Delete once nothing writes rows without one.
CREATE OR REPLACE FUNCTION "default_workspace_to_creator"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."workspace_id" IS NULL THEN
    NEW."workspace_id" := NEW."user_id";
  END IF;
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER "links_default_workspace" BEFORE INSERT ON "links"
  FOR EACH ROW EXECUTE FUNCTION "default_workspace_to_creator"();--> statement-breakpoint
CREATE TRIGGER "campaigns_default_workspace" BEFORE INSERT ON "campaigns"
  FOR EACH ROW EXECUTE FUNCTION "default_workspace_to_creator"();--> statement-breakpoint
CREATE TRIGGER "api_keys_default_workspace" BEFORE INSERT ON "api_keys"
  FOR EACH ROW EXECUTE FUNCTION "default_workspace_to_creator"();--> statement-breakpoint
-- links_delete_rollups (0005) takes a deleted link's clicks out of the account roll-ups of its workspace,
-- which is the account now (the roll-ups' "user_id" column holds the workspace id, ADR 0014).
CREATE OR REPLACE FUNCTION "delete_link_rollups"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH keys AS (
    SELECT DISTINCT d."workspace_id" AS "user_id", r."bucket" FROM "link_clicks_hourly" r JOIN "deleted_links" d ON d."id" = r."link_id"
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
      SELECT d."workspace_id" AS "user_id", r."bucket", sum(r."clicks") AS "clicks", sum(r."bot_clicks") AS "bot_clicks"
      FROM "link_clicks_hourly" r JOIN "deleted_links" d ON d."id" = r."link_id" GROUP BY 1, 2
    ) x
    WHERE a."user_id" = x."user_id" AND a."bucket" = x."bucket" AND a."shard" = 0;
  DELETE FROM "account_clicks_hourly" a
    WHERE a."user_id" IN (SELECT "workspace_id" FROM "deleted_links") AND a."shard" = 0 AND a."clicks" = 0;

  WITH keys AS (
    SELECT DISTINCT d."workspace_id" AS "user_id", r."bucket" FROM "link_clicks_daily" r JOIN "deleted_links" d ON d."id" = r."link_id"
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
      SELECT d."workspace_id" AS "user_id", r."bucket", sum(r."clicks") AS "clicks", sum(r."bot_clicks") AS "bot_clicks"
      FROM "link_clicks_daily" r JOIN "deleted_links" d ON d."id" = r."link_id" GROUP BY 1, 2
    ) x
    WHERE a."user_id" = x."user_id" AND a."bucket" = x."bucket" AND a."shard" = 0;
  DELETE FROM "account_clicks_daily" a
    WHERE a."user_id" IN (SELECT "workspace_id" FROM "deleted_links") AND a."shard" = 0 AND a."clicks" = 0;

  -- The same deltas twice (fold, then subtract): the second statement must see the first one's rows.
  WITH x AS (
    SELECT d."workspace_id" AS "user_id", u."bucket", u."dimension", u."value", sum(u."clicks") AS "clicks", sum(u."bot_clicks") AS "bot_clicks"
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
    SELECT d."workspace_id" AS "user_id", u."bucket", u."dimension", u."value", sum(u."clicks") AS "clicks", sum(u."bot_clicks") AS "bot_clicks"
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
    WHERE a."user_id" IN (SELECT "workspace_id" FROM "deleted_links") AND a."shard" = 0 AND a."clicks" = 0;

  DELETE FROM "click_events" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_hourly" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_clicks_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_dimensions_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_agents_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  DELETE FROM "link_visitors_daily" r USING "deleted_links" d WHERE r."link_id" = d."id";
  RETURN NULL;
END
$$;
