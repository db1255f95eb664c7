import type { Pool } from 'pg';
import type { SeenVisitor } from './visitor-sketches.ts';

/** The fields of a queued click event (ClickEventV1) that ingestion reads. */
export interface IncomingClick {
  eventId: string;
  linkId: string;
  occurredAt: number;
  referrerHost: string | null;
  country: string | null;
  device: string;
  browser: string;
  os: string;
  isBot: boolean;
  visitorHash: string | null;
  /** The link's A/B variant the visitor was sent to; absent in events from before splits. */
  variant?: string | null | undefined;
}

export interface IngestResult {
  /** Events in the batch. */
  received: number;
  /** Rows actually added to click_events (and counted in every roll-up). */
  inserted: number;
  /** Already stored (a redelivered job) or repeated inside the batch. */
  duplicates: number;
  /** Events for links that no longer exist; dropped so they cannot poison the batch. */
  orphaned: number;
}

/** Dimension values for clicks that did not carry one (see INGEST_BATCH_SQL). */
export const UNKNOWN_COUNTRY = 'unknown';
export const DIRECT_REFERRER = '(direct)';
/** link_dimensions_daily.value and link_agents_daily's device, browser and os are capped at 255 characters by CHECK constraints. */
export const DIMENSION_VALUE_MAX = 255;

// Every counting roll-up adds a batch's clicks and bot clicks to the row it already has.
export const ADD_COUNTS =
  'SET clicks = t.clicks + excluded.clicks, bot_clicks = t.bot_clicks + excluded.bot_clicks';

// One transaction is one statement: the event insert and the counting roll-ups (hourly, daily, the account's,
// the link's total) are data-modifying CTEs of a single statement, which Postgres runs as one implicit
// transaction (all or nothing), so a batch costs one round trip instead of four (BEGIN, insert, roll-ups,
// COMMIT) and its counts are aggregated in place from the rows the INSERT actually added (RETURNING): a
// redelivered event adds nothing anywhere. The events travel as whole arrays (unnest), so a batch of any size
// is eleven bind parameters (and the shard).
//
// The breakdowns (country, referrer, variant, device/browser/OS, visitors, the account's dimensions) are not
// written here: each event records its transaction's id (ingest_xid), and the dimension roll-up
// (dimension-rollup.ts, ADR 0018) folds the events of many finished transactions into those rows at once.
//
// Before anything is written, the statement takes a key-share lock on each of the batch's links, once
// per link: the lock a foreign key check takes, without the check's query per event. click_events has no
// foreign key to links (migration 0004: the per-event check cost about a tenth of the statement). Events of
// links that no longer exist are filtered out, so one deleted link cannot fail the batch forever. A link
// deleted before the lock is skipped (its events are orphaned, counted); a delete that comes after it
// waits until this statement commits and then deletes what it wrote (the links_delete_rollups trigger
// removes a link's events and roll-ups). Nothing is ever written for a link that is gone. Key-share locks
// do not conflict with each other nor with the click_count update, so concurrent batches of the same
// links do not wait for each other here.
//
// Every roll-up is grouped and sorted by its key, and every batch runs the same plan (same table order), so
// concurrent transactions lock shared rows in the same order. Within one consumer the ingestion lanes own
// disjoint links and never share a row (see coalescing-ingestor.ts); two consumers that ever deadlock on
// the links update are resolved by Postgres aborting one, whose jobs BullMQ retries: nothing of it committed.
//
// The account roll-ups (migration 0005) are the same counts keyed by the link's account, its workspace
// (migration 0006, ADR 0014; the column is still called user_id), instead of the link. Their rows are shared
// by all of an account's links, so by every lane: each lane writes its own shard of them (the `shard` parameter, its lane number), and
// readers sum the shards. Lanes therefore still share no row; consumers that use the same shard numbers
// lock shared account rows in key order, as they do link rows.
//
export const INGEST_BATCH_SQL = `
  WITH input AS (
    SELECT * FROM unnest(
      $1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[],
      $6::text[], $7::text[], $8::text[], $9::bool[], $10::text[], $12::text[])
      AS e(event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash, variant)
  ), locked AS (
    SELECT l.id, l.workspace_id AS user_id FROM links l WHERE l.id IN (SELECT link_id FROM input) FOR KEY SHARE
  ), inserted AS (
    INSERT INTO click_events (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot,
      visitor_hash, variant, ingest_xid)
    SELECT e.*, pg_current_xact_id()::text::bigint FROM input e
    WHERE e.link_id IN (SELECT id FROM locked)
    ON CONFLICT (event_id, occurred_at) DO NOTHING
    RETURNING event_id, link_id, occurred_at, is_bot
  ), stored AS (
    SELECT i.*, k.user_id, date_trunc('hour', i.occurred_at, 'UTC') AS hour,
      (i.occurred_at AT TIME ZONE 'UTC')::date AS day
    FROM inserted i JOIN locked k ON k.id = i.link_id
  ), hourly AS (
    INSERT INTO link_clicks_hourly AS t (link_id, bucket, clicks, bot_clicks)
    SELECT link_id, hour, count(*), count(*) FILTER (WHERE is_bot) FROM stored GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (link_id, bucket) DO UPDATE
      ${ADD_COUNTS}
  ), daily AS (
    INSERT INTO link_clicks_daily AS t (link_id, bucket, clicks, bot_clicks)
    SELECT link_id, day, count(*), count(*) FILTER (WHERE is_bot) FROM stored GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (link_id, bucket) DO UPDATE
      ${ADD_COUNTS}
  ), account_hourly AS (
    INSERT INTO account_clicks_hourly AS t (user_id, bucket, shard, clicks, bot_clicks)
    SELECT user_id, hour, $11::smallint, count(*), count(*) FILTER (WHERE is_bot) FROM stored
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (user_id, bucket, shard) DO UPDATE
      ${ADD_COUNTS}
  ), account_daily AS (
    INSERT INTO account_clicks_daily AS t (user_id, bucket, shard, clicks, bot_clicks)
    SELECT user_id, day, $11::smallint, count(*), count(*) FILTER (WHERE is_bot) FROM stored
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (user_id, bucket, shard) DO UPDATE
      ${ADD_COUNTS}
  ), counted AS (
    UPDATE links AS l SET click_count = l.click_count + c.clicks
    FROM (SELECT link_id, count(*) AS clicks FROM stored GROUP BY 1) AS c
    WHERE l.id = c.link_id
  )
  SELECT
    -- Normally every event is inserted: the answer then names none (the consumer knows what it sent). Events
    -- not inserted were already stored or belong to a deleted link: named only when there are some.
    CASE WHEN (SELECT count(*) FROM inserted) < cardinality($1::uuid[])
      THEN ARRAY(SELECT e.event_id::text FROM input e WHERE e.event_id NOT IN (SELECT event_id FROM inserted))
      ELSE '{}'::text[] END AS skipped,
    -- The batch's live links and their accounts: the account visitor sketches in Redis are written from the
    -- batch's events on these links after this commits (see createCoalescingIngestor), so a batch redelivered
    -- because that failed adds its visitors again. Adding one twice changes nothing.
    (SELECT coalesce(json_agg(json_build_array(k.id, k.user_id)), '[]') FROM locked k) AS accounts,
    CASE WHEN (SELECT count(*) FROM inserted) < cardinality($1::uuid[])
      THEN ARRAY(SELECT DISTINCT e.link_id::text FROM input e
                 WHERE e.link_id NOT IN (SELECT id FROM locked))
      ELSE '{}'::text[] END AS dead`;

const COUNTRY = /^[A-Z]{2}$/;

// Postgres text cannot hold U+0000; one such byte in one event would fail the batch on every retry.
function text(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '') : value;
}

function nullableText(value: string | null): string | null {
  return value === null ? null : text(value);
}

/** Values the database would reject (and so fail every retry of the batch) are normalised here. */
function normalise(click: IncomingClick): IncomingClick {
  const country = click.country?.toUpperCase() ?? null;
  return {
    ...click,
    eventId: click.eventId.toLowerCase(),
    linkId: click.linkId.toLowerCase(),
    country: country !== null && COUNTRY.test(country) ? country : null,
    referrerHost: nullableText(click.referrerHost),
    device: text(click.device),
    browser: text(click.browser),
    os: text(click.os),
    visitorHash: nullableText(click.visitorHash),
    // The queue's schema holds the name to the links' format; nothing here can fail the batch.
    variant: click.variant ?? null,
  };
}

/** What one ingestion transaction did, by event and link id (ids normalised to lower case). */
export interface IngestOutcome {
  insertedIds: ReadonlySet<string>;
  /** The batch's visitors on links that exist, for the account sketches (visitor-sketches.ts). */
  visitors: SeenVisitor[];
  /** Links of the events that no longer exist; their events were dropped. Empty when all were inserted. */
  deadLinkIds: ReadonlySet<string>;
}

/**
 * A batch's events as one transaction stores them: normalised, repeats dropped (the first occurrence wins) and
 * sorted by event id, so two transactions inserting overlapping events take the unique-index locks in the same
 * order.
 */
function uniqueEvents(events: readonly IncomingClick[]): IncomingClick[] {
  const byId = new Map<string, IncomingClick>();
  for (const raw of events) {
    const click = normalise(raw);
    if (!byId.has(click.eventId)) byId.set(click.eventId, click);
  }
  return [...byId.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
}

/** The bind parameters of INGEST_BATCH_SQL for events of uniqueEvents(): each column travels as one array. */
function parametersOf(unique: readonly IncomingClick[], shard: number): unknown[] {
  return [
    unique.map((c) => c.eventId),
    unique.map((c) => c.linkId),
    unique.map((c) => new Date(c.occurredAt).toISOString()),
    unique.map((c) => c.referrerHost),
    unique.map((c) => c.country),
    unique.map((c) => c.device),
    unique.map((c) => c.browser),
    unique.map((c) => c.os),
    unique.map((c) => c.isBot),
    unique.map((c) => c.visitorHash),
    shard,
    unique.map((c) => c.variant ?? null),
  ];
}

/** The bind parameters of INGEST_BATCH_SQL for a batch (benches run the statement themselves). */
export function ingestParameters(events: readonly IncomingClick[], shard: number): unknown[] {
  return parametersOf(uniqueEvents(events), shard);
}

/**
 * Stores click events and their counts in a single statement (one transaction). Only rows that the INSERT
 * actually added (RETURNING) are counted, so a redelivered or overlapping batch adds nothing twice.
 */
export async function ingestEvents(
  pool: Pool,
  events: readonly IncomingClick[],
  /** The account roll-up shard this transaction writes: its lane's number (see INGEST_BATCH_SQL). */
  shard = 0,
): Promise<IngestOutcome> {
  const unique = uniqueEvents(events);
  const result = await pool.query<{ skipped: string[]; dead: string[]; accounts: [string, string][] }>(
    INGEST_BATCH_SQL,
    parametersOf(unique, shard),
  );
  const row = result.rows[0];
  const skipped = new Set(row?.skipped ?? []);
  const accountOf = new Map(row?.accounts ?? []);
  const insertedIds = new Set<string>();
  const visitors = new Map<string, SeenVisitor>();
  for (const click of unique) {
    if (!skipped.has(click.eventId)) insertedIds.add(click.eventId);
    const accountId = accountOf.get(click.linkId);
    if (accountId === undefined || click.visitorHash === null) continue;
    const visitor = {
      accountId,
      day: new Date(click.occurredAt).toISOString().slice(0, 10),
      visitorHash: click.visitorHash,
      isBot: click.isBot,
    };
    visitors.set(`${accountId} ${visitor.day} ${visitor.visitorHash} ${visitor.isBot}`, visitor);
  }
  return { insertedIds, deadLinkIds: new Set(row?.dead ?? []), visitors: [...visitors.values()] };
}

/**
 * Counts one batch's events against a transaction outcome. `claimed` carries the event ids already
 * credited to other batches of the same transaction, so an event present in two of them is inserted
 * once and a duplicate once.
 */
export function summarise(
  batch: readonly IncomingClick[],
  outcome: IngestOutcome,
  claimed: Set<string> = new Set(),
): IngestResult {
  let inserted = 0;
  let orphaned = 0;
  for (const click of batch) {
    const eventId = click.eventId.toLowerCase();
    if (outcome.deadLinkIds.has(click.linkId.toLowerCase())) {
      orphaned += 1;
    } else if (outcome.insertedIds.has(eventId) && !claimed.has(eventId)) {
      claimed.add(eventId);
      inserted += 1;
    }
  }
  return { received: batch.length, inserted, duplicates: batch.length - inserted - orphaned, orphaned };
}

/** One batch, one transaction. */
export async function ingestClicks(
  pool: Pool,
  batch: readonly IncomingClick[],
  shard = 0,
): Promise<IngestResult> {
  return summarise(batch, await ingestEvents(pool, batch, shard));
}
