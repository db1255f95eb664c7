CREATE TABLE "blocked_destinations" (
	"hostname" text PRIMARY KEY NOT NULL,
	"reason" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "blocked_destinations_hostname_lower_check" CHECK ("blocked_destinations"."hostname" = lower("blocked_destinations"."hostname")),
	CONSTRAINT "blocked_destinations_hostname_length_check" CHECK (char_length("blocked_destinations"."hostname") BETWEEN 1 AND 253),
	CONSTRAINT "blocked_destinations_reason_length_check" CHECK (char_length("blocked_destinations"."reason") <= 500)
);
--> statement-breakpoint
CREATE TABLE "instance_audit_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "instance_audit_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"actor_user_id" uuid,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "instance_audit_events_action_length_check" CHECK (char_length("instance_audit_events"."action") BETWEEN 1 AND 100)
);
--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "blocked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "is_admin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "users_is_admin_idx" ON "users" USING btree ("id") WHERE "users"."is_admin";--> statement-breakpoint
-- An instance that predates instance admins: its first account becomes the admin, as a new instance's would.
UPDATE "users" SET "is_admin" = true WHERE "id" = (SELECT "id" FROM "users" ORDER BY "created_at", "id" LIMIT 1);
