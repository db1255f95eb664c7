import type { Pool, PoolClient } from 'pg';
import { aggregateClicks, type StoredClick } from './aggregate-clicks.ts';

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

// Every statement takes whole arrays (unnest), so a batch of any size is a fixed number of bind
// parameters, far from the 65,535-parameter limit of a multi-row VALUES list. Round trips are what
// a batch costs on a busy machine (each one waits to be scheduled on both sides), so one job is four:
// BEGIN, insert events, all roll-ups in one statement, COMMIT.

// Events of links that no longer exist are filtered out inside the statement, so one deleted link
// cannot fail the batch forever on the foreign key. The filter takes no lock (the foreign key check
// share-locks each link anyway); a link deleted between the two fails this attempt with 23503, and
// the retry filters its events out.
const INSERT_EVENTS = `
  INSERT INTO click_events
    (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash)
  SELECT e.* FROM unnest(
    $1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[],
    $6::text[], $7::text[], $8::text[], $9::bool[], $10::text[])
    AS e(event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash)
  WHERE EXISTS (SELECT 1 FROM links l WHERE l.id = e.link_id)
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id::text`;

// All roll-ups of the batch in one statement. Each sub-statement gets its keys sorted, and every
// transaction runs the same plan (so the same table order), so concurrent transactions lock shared rows
// in the same order and do not deadlock; should one ever happen, Postgres aborts one transaction and
// BullMQ retries its jobs, which is safe because nothing of it was committed. Within one consumer the
// ingestion lanes own disjoint links and never share a row (see coalescing-ingestor.ts).
// link_visitors_daily only records that a visitor came that day (DO NOTHING): its is_bot flag is the one
// of the first batch that saw the visitor (human if any of that batch's clicks was).
const APPLY_ROLLUPS = `
  WITH hourly AS (
    INSERT INTO link_clicks_hourly AS t (link_id, bucket, clicks, bot_clicks)
    SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[])
    ON CONFLICT (link_id, bucket) DO UPDATE
      SET clicks = t.clicks + excluded.clicks, bot_clicks = t.bot_clicks + excluded.bot_clicks
  ), daily AS (
    INSERT INTO link_clicks_daily AS t (link_id, bucket, clicks, bot_clicks)
    SELECT * FROM unnest($5::uuid[], $6::date[], $7::bigint[], $8::bigint[])
    ON CONFLICT (link_id, bucket) DO UPDATE
      SET clicks = t.clicks + excluded.clicks, bot_clicks = t.bot_clicks + excluded.bot_clicks
  ), dimensions AS (
    INSERT INTO link_dimensions_daily AS t (link_id, bucket, dimension, value, clicks, bot_clicks)
    SELECT * FROM unnest($9::uuid[], $10::date[], $11::text[], $12::text[], $13::bigint[], $14::bigint[])
    ON CONFLICT (link_id, bucket, dimension, value) DO UPDATE
      SET clicks = t.clicks + excluded.clicks, bot_clicks = t.bot_clicks + excluded.bot_clicks
  ), visitors AS (
    INSERT INTO link_visitors_daily (link_id, bucket, visitor_hash, is_bot)
    SELECT * FROM unnest($15::uuid[], $16::date[], $17::text[], $18::bool[])
    ON CONFLICT (link_id, bucket, visitor_hash) DO NOTHING
  )
  UPDATE links AS l SET click_count = l.click_count + v.clicks
  FROM unnest($19::uuid[], $20::bigint[]) AS v(id, clicks)
  WHERE l.id = v.id`;

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
  };
}

/** What one ingestion transaction did, by event and link id (ids normalised to lower case). */
export interface IngestOutcome {
  insertedIds: ReadonlySet<string>;
  /** Links of the events that no longer exist; their events were dropped. Empty when all were inserted. */
  deadLinkIds: ReadonlySet<string>;
}

/**
 * Stores click events and their roll-ups in a single transaction. Only rows that the INSERT actually
 * added (RETURNING) are aggregated, so a redelivered or overlapping batch adds nothing twice.
 */
export async function ingestEvents(pool: Pool, events: readonly IncomingClick[]): Promise<IngestOutcome> {
  // Sorted by event id: two transactions inserting overlapping events take the unique-index locks in
  // the same order. Repeats are dropped here (the first occurrence wins).
  const byId = new Map<string, IncomingClick>();
  for (const raw of events) {
    const click = normalise(raw);
    if (!byId.has(click.eventId)) byId.set(click.eventId, click);
  }
  const unique = [...byId.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));

  const client = await pool.connect();
  let released = false;
  try {
    await client.query('BEGIN');
    const stored = await insertEvents(client, unique);
    if (stored.length > 0) await applyRollups(client, stored);
    // Events not inserted are either already stored or belong to a deleted link; tell them apart only
    // when it matters (a metric).
    const deadLinkIds = stored.length === unique.length ? new Set<string>() : await deadLinks(client, unique);
    await client.query('COMMIT');
    return { insertedIds: new Set(stored.map((row) => row.eventId)), deadLinkIds };
  } catch (error) {
    // A broken connection cannot roll back; destroy it instead of returning it to the pool.
    await client.query('ROLLBACK').catch(() => {
      client.release(true);
      released = true;
    });
    throw error;
  } finally {
    if (!released) client.release();
  }
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
export async function ingestClicks(pool: Pool, batch: readonly IncomingClick[]): Promise<IngestResult> {
  return summarise(batch, await ingestEvents(pool, batch));
}

/**
 * Inserts the events and returns those actually added. Only event ids come back: the rows are the
 * (normalised) events we sent, so the roll-ups are computed from them without shipping every column
 * back from Postgres.
 */
async function insertEvents(client: PoolClient, clicks: readonly IncomingClick[]): Promise<StoredClick[]> {
  const result = await client.query<{ event_id: string }>(INSERT_EVENTS, [
    clicks.map((c) => c.eventId),
    clicks.map((c) => c.linkId),
    clicks.map((c) => new Date(c.occurredAt).toISOString()),
    clicks.map((c) => c.referrerHost),
    clicks.map((c) => c.country),
    clicks.map((c) => c.device),
    clicks.map((c) => c.browser),
    clicks.map((c) => c.os),
    clicks.map((c) => c.isBot),
    clicks.map((c) => c.visitorHash),
  ]);
  if (result.rows.length === clicks.length) return [...clicks];
  const inserted = new Set(result.rows.map((row) => row.event_id));
  return clicks.filter((click) => inserted.has(click.eventId));
}

async function applyRollups(client: PoolClient, stored: readonly StoredClick[]): Promise<void> {
  const agg = aggregateClicks(stored);
  await client.query(APPLY_ROLLUPS, [
    agg.hourly.map((r) => r.linkId),
    agg.hourly.map((r) => r.bucket),
    agg.hourly.map((r) => r.clicks),
    agg.hourly.map((r) => r.botClicks),
    agg.daily.map((r) => r.linkId),
    agg.daily.map((r) => r.bucket),
    agg.daily.map((r) => r.clicks),
    agg.daily.map((r) => r.botClicks),
    agg.dimensions.map((r) => r.linkId),
    agg.dimensions.map((r) => r.bucket),
    agg.dimensions.map((r) => r.dimension),
    agg.dimensions.map((r) => r.value),
    agg.dimensions.map((r) => r.clicks),
    agg.dimensions.map((r) => r.botClicks),
    agg.visitors.map((r) => r.linkId),
    agg.visitors.map((r) => r.bucket),
    agg.visitors.map((r) => r.visitorHash),
    agg.visitors.map((r) => r.isBot),
    agg.links.map((r) => r.linkId),
    agg.links.map((r) => r.clicks),
  ]);
}

/** Links of these events that no longer exist (their events were filtered out, not duplicates). */
async function deadLinks(client: PoolClient, clicks: readonly IncomingClick[]): Promise<Set<string>> {
  const linkIds = [...new Set(clicks.map((c) => c.linkId))];
  const result = await client.query<{ id: string }>('SELECT id::text FROM links WHERE id = ANY($1::uuid[])', [
    linkIds,
  ]);
  const live = new Set(result.rows.map((row) => row.id));
  return new Set(linkIds.filter((id) => !live.has(id)));
}
