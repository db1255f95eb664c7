-- click_events becomes partitioned by day (RANGE on occurred_at, one partition per UTC day; ADR 0015), so
-- raw events older than CLICK_EVENT_RETENTION_DAYS are dropped a whole day at a time (DROP TABLE: no DELETE,
-- no vacuum, no bloat) while the roll-ups, which never read click_events, keep every count.
--
-- A key of a partitioned table must hold the partition column: the primary key becomes (event_id,
-- occurred_at). Ingestion's ON CONFLICT follows it; a redelivered event carries the occurred_at of its first
-- delivery (both come from the queued payload), so idempotency is unchanged.
--
-- Partitions are created ahead by the consumer's partition job (days ahead, hourly), so ingestion writes into
-- a partition of its own day. The default partition is the safety net: an event of a day without a
-- partition (an edge clock far ahead, a job stopped for longer than the margin, a requeued job older than
-- the oldest partition) lands there instead of failing its batch on every retry. Creating a day's partition
-- moves that day's rows out of the default partition first (click_events_create_partition).
--
-- The existing events are copied into the new table, every day that holds events getting its partition, in
-- the migration's transaction: one pass over the table, during which ingestion waits (its jobs stay queued).
ALTER TABLE "click_events" RENAME TO "click_events_unpartitioned";--> statement-breakpoint
ALTER TABLE "click_events_unpartitioned" RENAME CONSTRAINT "click_events_pkey" TO "click_events_unpartitioned_pkey";--> statement-breakpoint
ALTER TABLE "click_events_unpartitioned" RENAME CONSTRAINT "click_events_country_check" TO "click_events_unpartitioned_country_check";--> statement-breakpoint
ALTER INDEX "click_events_link_id_occurred_at_idx" RENAME TO "click_events_unpartitioned_link_id_occurred_at_idx";--> statement-breakpoint
CREATE TABLE "click_events" (
	"event_id" uuid NOT NULL,
	"link_id" uuid NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"referrer_host" text,
	"country" char(2),
	"device" text NOT NULL,
	"browser" text NOT NULL,
	"os" text NOT NULL,
	"is_bot" boolean DEFAULT false NOT NULL,
	"visitor_hash" text,
	CONSTRAINT "click_events_pkey" PRIMARY KEY("event_id","occurred_at"),
	CONSTRAINT "click_events_country_check" CHECK ("click_events"."country" IS NULL OR "click_events"."country" ~ '^[A-Z]{2}$')
) PARTITION BY RANGE ("occurred_at");--> statement-breakpoint
CREATE INDEX "click_events_link_id_occurred_at_idx" ON "click_events" USING btree ("link_id","occurred_at");--> statement-breakpoint
CREATE TABLE "click_events_default" PARTITION OF "click_events" DEFAULT;--> statement-breakpoint
-- The partition of one UTC day, named click_events_pYYYYMMDD (the drop below reads the day from the name).
-- Returns whether it was created. The day's rows in the default partition move into it: it is built as a
-- plain table, filled, and attached, which locks click_events only against other DDL (SHARE UPDATE
-- EXCLUSIVE), not against ingestion; the default partition alone is locked while it is checked. Serialised
-- by an advisory lock, so consumer replicas running the job at once create each partition once.
CREATE FUNCTION "click_events_create_partition"(day date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'click_events_p' || to_char(day, 'YYYYMMDD');
  lower_bound timestamptz := day::timestamp AT TIME ZONE 'UTC';
  upper_bound timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('click_events partitions'));
  IF to_regclass(format('public.%I', part)) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE public.%I (LIKE public.click_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
  EXECUTE format('INSERT INTO public.%I SELECT * FROM public.click_events_default WHERE occurred_at >= $1 AND occurred_at < $2', part)
    USING lower_bound, upper_bound;
  DELETE FROM public.click_events_default WHERE occurred_at >= lower_bound AND occurred_at < upper_bound;
  EXECUTE format('ALTER TABLE public.click_events ATTACH PARTITION public.%I FOR VALUES FROM (%L) TO (%L)',
    part, lower_bound, upper_bound);
  RETURN true;
END
$$;--> statement-breakpoint
-- Drops the day partitions of days before `keep_from` and deletes the default partition's rows before it.
-- Returns the dropped partitions' names.
CREATE FUNCTION "click_events_drop_partitions"(keep_from date) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  part text;
  dropped text[] := '{}';
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('click_events partitions'));
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'public.click_events'::regclass AND c.relname ~ '^click_events_p[0-9]{8}$'
      AND to_date(substr(c.relname, 15), 'YYYYMMDD') < keep_from
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE public.%I', part);
    dropped := dropped || part;
  END LOOP;
  DELETE FROM public.click_events_default WHERE occurred_at < keep_from::timestamp AT TIME ZONE 'UTC';
  RETURN dropped;
END
$$;--> statement-breakpoint
SELECT "click_events_create_partition"(day)
FROM (
  SELECT DISTINCT (occurred_at AT TIME ZONE 'UTC')::date AS day FROM "click_events_unpartitioned"
  UNION
  SELECT (now() AT TIME ZONE 'UTC')::date + ahead FROM generate_series(-1, 7) AS ahead
) AS days ORDER BY day;--> statement-breakpoint
INSERT INTO "click_events" ("event_id", "link_id", "occurred_at", "referrer_host", "country", "device", "browser", "os", "is_bot", "visitor_hash")
SELECT "event_id", "link_id", "occurred_at", "referrer_host", "country", "device", "browser", "os", "is_bot", "visitor_hash" FROM "click_events_unpartitioned";--> statement-breakpoint
DROP TABLE "click_events_unpartitioned";
