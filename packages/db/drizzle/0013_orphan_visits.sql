CREATE TABLE "orphan_visit_batches" (
	"batch_id" uuid PRIMARY KEY NOT NULL,
	"counted_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orphan_visits" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "orphan_visits_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"domain" text NOT NULL,
	"path" text,
	"kind" text NOT NULL,
	"minute" timestamp with time zone NOT NULL,
	"referrer_host" text,
	"country" char(2),
	"is_bot" boolean NOT NULL,
	"visits" bigint NOT NULL,
	CONSTRAINT "orphan_visits_key" UNIQUE NULLS NOT DISTINCT("domain","minute","kind","path","referrer_host","country","is_bot"),
	CONSTRAINT "orphan_visits_kind_check" CHECK ("orphan_visits"."kind" IN ('not-found', 'root', 'gone')),
	CONSTRAINT "orphan_visits_visits_check" CHECK ("orphan_visits"."visits" > 0)
);
--> statement-breakpoint
CREATE INDEX "orphan_visits_domain_minute_idx" ON "orphan_visits" USING btree ("domain","minute" DESC NULLS LAST,"id" DESC NULLS LAST);