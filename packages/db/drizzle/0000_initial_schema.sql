CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"last_four" text NOT NULL,
	"key_hash" text NOT NULL,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash"),
	CONSTRAINT "api_keys_key_hash_sha256_check" CHECK ("api_keys"."key_hash" ~ '^[0-9a-f]{64}$'),
	CONSTRAINT "api_keys_last_four_check" CHECK (char_length("api_keys"."last_four") = 4),
	CONSTRAINT "api_keys_name_length_check" CHECK (char_length("api_keys"."name") BETWEEN 1 AND 100),
	CONSTRAINT "api_keys_scopes_check" CHECK ("api_keys"."scopes" <@ ARRAY['links:read', 'links:write', 'stats:read']::text[])
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"utm_source" text NOT NULL,
	"utm_medium" text NOT NULL,
	"utm_campaign" text NOT NULL,
	"utm_term" text,
	"utm_content" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "campaigns_name_length_check" CHECK (char_length("campaigns"."name") BETWEEN 1 AND 200),
	CONSTRAINT "campaigns_utm_required_check" CHECK ("campaigns"."utm_source" <> '' AND "campaigns"."utm_medium" <> '' AND "campaigns"."utm_campaign" <> '')
);
--> statement-breakpoint
CREATE TABLE "click_events" (
	"event_id" uuid PRIMARY KEY NOT NULL,
	"link_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"referrer_host" text,
	"country" char(2),
	"device" text NOT NULL,
	"browser" text NOT NULL,
	"os" text NOT NULL,
	"is_bot" boolean DEFAULT false NOT NULL,
	"visitor_hash" text,
	CONSTRAINT "click_events_country_check" CHECK ("click_events"."country" IS NULL OR "click_events"."country" ~ '^[A-Z]{2}$')
);
--> statement-breakpoint
CREATE TABLE "link_clicks_daily" (
	"link_id" uuid NOT NULL,
	"bucket" date NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "link_clicks_daily_pkey" PRIMARY KEY("link_id","bucket"),
	CONSTRAINT "link_clicks_daily_counts_check" CHECK ("link_clicks_daily"."clicks" >= 0 AND "link_clicks_daily"."bot_clicks" >= 0 AND "link_clicks_daily"."bot_clicks" <= "link_clicks_daily"."clicks")
);
--> statement-breakpoint
CREATE TABLE "link_clicks_hourly" (
	"link_id" uuid NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "link_clicks_hourly_pkey" PRIMARY KEY("link_id","bucket"),
	CONSTRAINT "link_clicks_hourly_bucket_hour_check" CHECK (date_trunc('hour', "link_clicks_hourly"."bucket" AT TIME ZONE 'UTC') = ("link_clicks_hourly"."bucket" AT TIME ZONE 'UTC')),
	CONSTRAINT "link_clicks_hourly_counts_check" CHECK ("link_clicks_hourly"."clicks" >= 0 AND "link_clicks_hourly"."bot_clicks" >= 0 AND "link_clicks_hourly"."bot_clicks" <= "link_clicks_hourly"."clicks")
);
--> statement-breakpoint
CREATE TABLE "link_dimensions_daily" (
	"link_id" uuid NOT NULL,
	"bucket" date NOT NULL,
	"dimension" text NOT NULL,
	"value" text NOT NULL,
	"clicks" bigint DEFAULT 0 NOT NULL,
	"bot_clicks" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "link_dimensions_daily_pkey" PRIMARY KEY("link_id","bucket","dimension","value"),
	CONSTRAINT "link_dimensions_daily_dimension_check" CHECK ("link_dimensions_daily"."dimension" IN ('country', 'referrer', 'device', 'browser', 'os')),
	CONSTRAINT "link_dimensions_daily_value_length_check" CHECK (char_length("link_dimensions_daily"."value") <= 255),
	CONSTRAINT "link_dimensions_daily_counts_check" CHECK ("link_dimensions_daily"."clicks" >= 0 AND "link_dimensions_daily"."bot_clicks" >= 0 AND "link_dimensions_daily"."bot_clicks" <= "link_dimensions_daily"."clicks")
);
--> statement-breakpoint
CREATE TABLE "link_visitors_daily" (
	"link_id" uuid NOT NULL,
	"bucket" date NOT NULL,
	"visitor_hash" text NOT NULL,
	"is_bot" boolean DEFAULT false NOT NULL,
	CONSTRAINT "link_visitors_daily_pkey" PRIMARY KEY("link_id","bucket","visitor_hash")
);
--> statement-breakpoint
CREATE TABLE "links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"domain" text NOT NULL,
	"code" text NOT NULL,
	"url" text NOT NULL,
	"title" text,
	"description" text,
	"image" text,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"expires_at" timestamp with time zone,
	"max_clicks" integer,
	"password_hash" text,
	"redirect_type" smallint DEFAULT 302 NOT NULL,
	"campaign_id" uuid,
	"click_count" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "links_domain_code_unique" UNIQUE("domain","code"),
	CONSTRAINT "links_redirect_type_check" CHECK ("links"."redirect_type" IN (301, 302, 307, 308)),
	CONSTRAINT "links_max_clicks_check" CHECK ("links"."max_clicks" IS NULL OR "links"."max_clicks" >= 1),
	CONSTRAINT "links_click_count_check" CHECK ("links"."click_count" >= 0),
	CONSTRAINT "links_code_format_check" CHECK ("links"."code" ~ '^[A-Za-z0-9_-]{1,64}$'),
	CONSTRAINT "links_domain_length_check" CHECK (char_length("links"."domain") BETWEEN 1 AND 259),
	CONSTRAINT "links_url_length_check" CHECK (char_length("links"."url") BETWEEN 1 AND 8192),
	CONSTRAINT "links_tags_count_check" CHECK (coalesce(array_length("links"."tags", 1), 0) <= 10)
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email"),
	CONSTRAINT "users_email_lower_check" CHECK ("users"."email" = lower("users"."email")),
	CONSTRAINT "users_email_length_check" CHECK (char_length("users"."email") BETWEEN 3 AND 320)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "campaigns" ADD CONSTRAINT "campaigns_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "click_events" ADD CONSTRAINT "click_events_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_clicks_daily" ADD CONSTRAINT "link_clicks_daily_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_clicks_hourly" ADD CONSTRAINT "link_clicks_hourly_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_dimensions_daily" ADD CONSTRAINT "link_dimensions_daily_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "link_visitors_daily" ADD CONSTRAINT "link_visitors_daily_link_id_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."links"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_user_id_created_at_idx" ON "api_keys" USING btree ("user_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "campaigns_user_id_created_at_idx" ON "campaigns" USING btree ("user_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "click_events_link_id_occurred_at_idx" ON "click_events" USING btree ("link_id","occurred_at");--> statement-breakpoint
CREATE INDEX "links_user_id_created_at_id_idx" ON "links" USING btree ("user_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "links_tags_gin_idx" ON "links" USING gin ("tags");--> statement-breakpoint
CREATE INDEX "links_campaign_id_idx" ON "links" USING btree ("campaign_id") WHERE "links"."campaign_id" IS NOT NULL;