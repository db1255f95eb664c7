-- A/B splits: links.variants holds the split ([] = none), click_events.variant the name of the variant a click
-- was sent to, and link_dimensions_daily counts clicks per variant and day as it does per country.
--
-- click_events is partitioned: the column is added on the parent (every partition gets it, the default one
-- too), without a default, so no row is rewritten; click_events_create_partition builds new day partitions
-- LIKE the parent, so they have it as well. The dimension check is re-added NOT VALID, as migration 0003 added
-- it: rows from before 0003 still hold 'device', 'browser' and 'os' values.
ALTER TABLE "link_dimensions_daily" DROP CONSTRAINT "link_dimensions_daily_dimension_check";--> statement-breakpoint
ALTER TABLE "click_events" ADD COLUMN "variant" text;--> statement-breakpoint
ALTER TABLE "links" ADD COLUMN "variants" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "link_dimensions_daily" ADD CONSTRAINT "link_dimensions_daily_dimension_check" CHECK ("link_dimensions_daily"."dimension" IN ('country', 'referrer', 'variant')) NOT VALID;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_variants_array_check" CHECK (jsonb_typeof("links"."variants") = 'array');
