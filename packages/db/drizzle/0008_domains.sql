-- Custom domains of a workspace (docs/domains.md). A new table only: nothing existing is rewritten or locked.
CREATE TABLE "domains" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workspace_id" uuid NOT NULL,
	"hostname" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"verification_token" text NOT NULL,
	"verification_method" text,
	"verified_at" timestamp with time zone,
	"last_checked_at" timestamp with time zone,
	"next_check_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"root_redirect_url" text,
	"not_found_redirect_url" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "domains_hostname_unique" UNIQUE("hostname"),
	CONSTRAINT "domains_status_check" CHECK ("domains"."status" IN ('pending', 'verified', 'failed')),
	CONSTRAINT "domains_verification_method_check" CHECK ("domains"."verification_method" IS NULL OR "domains"."verification_method" IN ('txt', 'cname')),
	CONSTRAINT "domains_hostname_length_check" CHECK (char_length("domains"."hostname") BETWEEN 1 AND 253),
	CONSTRAINT "domains_hostname_format_check" CHECK ("domains"."hostname" ~ '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$'),
	CONSTRAINT "domains_verification_token_length_check" CHECK (char_length("domains"."verification_token") BETWEEN 16 AND 128),
	CONSTRAINT "domains_attempts_check" CHECK ("domains"."attempts" >= 0),
	CONSTRAINT "domains_verified_at_check" CHECK (("domains"."status" = 'verified') = ("domains"."verified_at" IS NOT NULL)),
	CONSTRAINT "domains_root_redirect_url_length_check" CHECK ("domains"."root_redirect_url" IS NULL OR char_length("domains"."root_redirect_url") BETWEEN 1 AND 8192),
	CONSTRAINT "domains_not_found_redirect_url_length_check" CHECK ("domains"."not_found_redirect_url" IS NULL OR char_length("domains"."not_found_redirect_url") BETWEEN 1 AND 8192)
);
--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "domains_workspace_id_created_at_idx" ON "domains" USING btree ("workspace_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "domains_next_check_at_idx" ON "domains" USING btree ("next_check_at") WHERE "domains"."status" = 'pending';