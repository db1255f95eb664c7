ALTER TABLE "link_clicks_daily" DROP CONSTRAINT "link_clicks_daily_link_id_links_id_fk";
--> statement-breakpoint
ALTER TABLE "link_clicks_hourly" DROP CONSTRAINT "link_clicks_hourly_link_id_links_id_fk";
--> statement-breakpoint
ALTER TABLE "link_dimensions_daily" DROP CONSTRAINT "link_dimensions_daily_link_id_links_id_fk";
--> statement-breakpoint
ALTER TABLE "link_visitors_daily" DROP CONSTRAINT "link_visitors_daily_link_id_links_id_fk";
