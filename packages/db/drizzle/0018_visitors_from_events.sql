-- A link's unique visitors are counted from its raw events for the days they are kept (ADR 0018, step 3): the
-- dimension roll-up no longer writes link_visitors_daily, which held one row per link, day and visitor, the one
-- roll-up no window folds. A day's visitor rows are written once, when its events leave the retention. The
-- statistics read both sources (a visitor in both is one visitor), so the rows consumers of earlier releases
-- still write during a rolling upgrade count once too.
--
-- Leaving the retention takes three steps, each a transaction of its own (the consumer's partition job):
-- 1. click_events_detach_partitions: the day partitions before the retention are detached from click_events.
--    That holds click_events' lock only for the detach, not while millions of events are read; from then on no
--    click can reach them (a late one goes to the default partition). A day whose events the dimension roll-up
--    has not read yet (ingest_xid at or past click_rollup_progress.next_xid) stays attached until the next run,
--    so no click leaves the breakdowns with its partition.
-- 2. click_events_fold_default: the default partition's events before the retention are folded, then deleted.
-- 3. click_events_fold_and_drop, for each detached day (a run that stopped between steps leaves some; the next
--    run finds them): its visitors are folded into link_visitors_daily, then the table is dropped. Nothing
--    else reads or writes a detached table, so this takes no lock anyone waits on.

-- Folds the visitors of `events` (a click_events partition, attached or not) that occurred before `before`
-- into link_visitors_daily: one row per link, UTC day and visitor, a bot only if every click of that day was.
-- Links are key-share locked as ingestion and the roll-up lock them: a link deleted meanwhile is skipped, and a
-- delete that comes after waits, then removes what this wrote (the links' delete trigger).
CREATE FUNCTION "click_events_fold_visitors"(events regclass, before timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format($fold$
    WITH locked AS (
      SELECT l.id FROM public.links l
      WHERE l.id IN (SELECT DISTINCT e.link_id FROM %1$s e WHERE e.occurred_at < $1)
      ORDER BY l.id FOR KEY SHARE
    )
    INSERT INTO public.link_visitors_daily AS t (link_id, bucket, visitor_hash, is_bot)
    SELECT e.link_id, (e.occurred_at AT TIME ZONE 'UTC')::date, e.visitor_hash, bool_and(e.is_bot)
    FROM %1$s e JOIN locked k ON k.id = e.link_id
    WHERE e.visitor_hash IS NOT NULL AND e.occurred_at < $1
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (link_id, bucket, visitor_hash) DO UPDATE SET is_bot = false
      WHERE t.is_bot AND NOT excluded.is_bot
  $fold$, events) USING before;
END
$$;--> statement-breakpoint
-- Detaches the day partitions before `keep_from` whose events the dimension roll-up has read, and returns
-- their names. A partition with events the roll-up has not read is attached again at once (the detach is undone
-- with its subtransaction) and waits for the next run.
CREATE FUNCTION "click_events_detach_partitions"(keep_from date) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  part text;
  detached text[] := '{}';
  rolled_up_below bigint;
  pending boolean;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('click_events partitions'));
  SELECT next_xid INTO rolled_up_below FROM public.click_rollup_progress WHERE id = 1;
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'public.click_events'::regclass AND c.relname ~ '^click_events_p[0-9]{8}$'
      AND to_date(substr(c.relname, 15), 'YYYYMMDD') < keep_from
    ORDER BY c.relname
  LOOP
    BEGIN
      -- After the detach no transaction can add to it: every one that had was waited for by the detach.
      EXECUTE format('ALTER TABLE public.click_events DETACH PARTITION public.%I', part);
      EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I WHERE ingest_xid >= $1)', part)
        INTO pending USING rolled_up_below;
      IF pending THEN
        RAISE EXCEPTION USING ERRCODE = 'BLRUP', MESSAGE = part || ' holds events not rolled up yet';
      END IF;
      detached := detached || part;
    EXCEPTION WHEN SQLSTATE 'BLRUP' THEN
      NULL;
    END;
  END LOOP;
  RETURN detached;
END
$$;--> statement-breakpoint
-- Folds the visitors of the default partition's events before `keep_from` and deletes those events, unless some
-- of them are not rolled up yet (then the next run does). Returns whether it did.
CREATE FUNCTION "click_events_fold_default"(keep_from date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  kept_from timestamptz := keep_from::timestamp AT TIME ZONE 'UTC';
  rolled_up_below bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('click_events partitions'));
  SELECT next_xid INTO rolled_up_below FROM public.click_rollup_progress WHERE id = 1;
  -- Inserts into the default partition wait until this commits: none can slip between the fold and the delete.
  LOCK TABLE public.click_events_default IN SHARE MODE;
  IF EXISTS (
    SELECT 1 FROM public.click_events_default WHERE occurred_at < kept_from AND ingest_xid >= rolled_up_below
  ) THEN
    RETURN false;
  END IF;
  PERFORM public.click_events_fold_visitors('public.click_events_default'::regclass, kept_from);
  DELETE FROM public.click_events_default WHERE occurred_at < kept_from;
  RETURN true;
END
$$;--> statement-breakpoint
-- Folds a detached day's visitors and drops it; false when `part` is not a detached day partition.
CREATE FUNCTION "click_events_fold_and_drop"(part text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('click_events partitions'));
  IF NOT EXISTS (
    SELECT 1 FROM pg_class c
    WHERE c.relname = part AND c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
      AND NOT c.relispartition AND c.relname ~ '^click_events_p[0-9]{8}$'
  ) THEN
    RETURN false;
  END IF;
  PERFORM public.click_events_fold_visitors(format('public.%I', part)::regclass, 'infinity');
  EXECUTE format('DROP TABLE public.%I', part);
  RETURN true;
END
$$;--> statement-breakpoint
-- The detached day partitions waiting to be folded and dropped, oldest first.
CREATE VIEW "click_events_detached_days" AS
  SELECT c.relname::text AS name FROM pg_class c
  WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND NOT c.relispartition
    AND c.relname ~ '^click_events_p[0-9]{8}$';--> statement-breakpoint
-- What consumers of earlier releases call: the three steps in one transaction (it holds click_events' lock
-- while the detached days are folded, as long as a rolling upgrade lasts).
CREATE OR REPLACE FUNCTION "click_events_drop_partitions"(keep_from date) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  part text;
  dropped text[] := '{}';
BEGIN
  PERFORM public.click_events_detach_partitions(keep_from);
  PERFORM public.click_events_fold_default(keep_from);
  FOR part IN SELECT name FROM public.click_events_detached_days ORDER BY name LOOP
    IF public.click_events_fold_and_drop(part) THEN
      dropped := dropped || part;
    END IF;
  END LOOP;
  RETURN dropped;
END
$$;
