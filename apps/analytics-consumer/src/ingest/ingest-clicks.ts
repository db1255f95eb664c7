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
// parameters and round trips, far from the 65,535-parameter limit of a multi-row VALUES list.
const LOCK_EXISTING_LINKS = `
  SELECT id::text FROM links WHERE id = ANY($1::uuid[]) ORDER BY id FOR KEY SHARE`;

const INSERT_EVENTS = `
  INSERT INTO click_events
    (event_id, link_id, occurred_at, referrer_host, country, device, browser, os, is_bot, visitor_hash)
  SELECT * FROM unnest(
    $1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[],
    $6::text[], $7::text[], $8::text[], $9::bool[], $10::text[])
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id::text, link_id::text, (extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_ms,
    referrer_host, country, device, browser, os, is_bot, visitor_hash`;

const UPSERT_HOURLY = `
  INSERT INTO link_clicks_hourly AS t (link_id, bucket, clicks, bot_clicks)
  SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[])
  ON CONFLICT (link_id, bucket) DO UPDATE
    SET clicks = t.clicks + excluded.clicks, bot_clicks = t.bot_clicks + excluded.bot_clicks`;

const UPSERT_DAILY = `
  INSERT INTO link_clicks_daily AS t (link_id, bucket, clicks, bot_clicks)
  SELECT * FROM unnest($1::uuid[], $2::date[], $3::bigint[], $4::bigint[])
  ON CONFLICT (link_id, bucket) DO UPDATE
    SET clicks = t.clicks + excluded.clicks, bot_clicks = t.bot_clicks + excluded.bot_clicks`;

const UPSERT_DIMENSIONS = `
  INSERT INTO link_dimensions_daily AS t (link_id, bucket, dimension, value, clicks, bot_clicks)
  SELECT * FROM unnest($1::uuid[], $2::date[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
  ON CONFLICT (link_id, bucket, dimension, value) DO UPDATE
    SET clicks = t.clicks + excluded.clicks, bot_clicks = t.bot_clicks + excluded.bot_clicks`;

// The row only records that a visitor came that day; its is_bot flag is the one of the first batch that
// saw the visitor (human if any of that batch's clicks was), a filter hint rather than a counter.
const INSERT_VISITORS = `
  INSERT INTO link_visitors_daily (link_id, bucket, visitor_hash, is_bot)
  SELECT * FROM unnest($1::uuid[], $2::date[], $3::text[], $4::bool[])
  ON CONFLICT (link_id, bucket, visitor_hash) DO NOTHING`;

// The link rows are the hottest rows of all (every click of a popular link lands on one), so they are
// locked last, in id order, and held only until the commit that follows.
const LOCK_LINKS_FOR_COUNT = `
  SELECT 1 FROM links WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`;

const ADD_CLICK_COUNTS = `
  UPDATE links AS l SET click_count = l.click_count + v.clicks
  FROM unnest($1::uuid[], $2::bigint[]) AS v(id, clicks)
  WHERE l.id = v.id`;

interface ReturnedRow {
  event_id: string;
  link_id: string;
  occurred_ms: number;
  referrer_host: string | null;
  country: string | null;
  device: string;
  browser: string;
  os: string;
  is_bot: boolean;
  visitor_hash: string | null;
}

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

/**
 * Stores one batch of clicks and its roll-ups in a single transaction. Only rows that the INSERT
 * actually added (RETURNING) are aggregated, so a redelivered or overlapping batch adds nothing twice.
 */
export async function ingestClicks(pool: Pool, batch: readonly IncomingClick[]): Promise<IngestResult> {
  // Sorted by event id: two transactions inserting overlapping events take the unique-index locks in
  // the same order. Repeats inside the batch are dropped here (the first occurrence wins).
  const byId = new Map<string, IncomingClick>();
  for (const raw of batch) {
    const click = normalise(raw);
    if (!byId.has(click.eventId)) byId.set(click.eventId, click);
  }
  const unique = [...byId.values()].sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
  const linkIds = [...new Set(unique.map((c) => c.linkId))].sort();

  const client = await pool.connect();
  let released = false;
  try {
    await client.query('BEGIN');
    const existing = await client.query<{ id: string }>(LOCK_EXISTING_LINKS, [linkIds]);
    const live = new Set(existing.rows.map((row) => row.id));
    const kept = unique.filter((click) => live.has(click.linkId));
    const stored = kept.length === 0 ? [] : await insertEvents(client, kept);
    if (stored.length > 0) await applyRollups(client, stored);
    await client.query('COMMIT');
    const orphaned = unique.length - kept.length;
    return {
      received: batch.length,
      inserted: stored.length,
      duplicates: batch.length - orphaned - stored.length,
      orphaned,
    };
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

async function insertEvents(client: PoolClient, clicks: readonly IncomingClick[]): Promise<StoredClick[]> {
  const result = await client.query<ReturnedRow>(INSERT_EVENTS, [
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
  return result.rows.map((row) => ({
    eventId: row.event_id,
    linkId: row.link_id,
    occurredAt: Math.round(row.occurred_ms),
    referrerHost: row.referrer_host,
    country: row.country,
    device: row.device,
    browser: row.browser,
    os: row.os,
    isBot: row.is_bot,
    visitorHash: row.visitor_hash,
  }));
}

async function applyRollups(client: PoolClient, stored: readonly StoredClick[]): Promise<void> {
  const agg = aggregateClicks(stored);
  await client.query(UPSERT_HOURLY, [
    agg.hourly.map((r) => r.linkId),
    agg.hourly.map((r) => r.bucket),
    agg.hourly.map((r) => r.clicks),
    agg.hourly.map((r) => r.botClicks),
  ]);
  await client.query(UPSERT_DAILY, [
    agg.daily.map((r) => r.linkId),
    agg.daily.map((r) => r.bucket),
    agg.daily.map((r) => r.clicks),
    agg.daily.map((r) => r.botClicks),
  ]);
  await client.query(UPSERT_DIMENSIONS, [
    agg.dimensions.map((r) => r.linkId),
    agg.dimensions.map((r) => r.bucket),
    agg.dimensions.map((r) => r.dimension),
    agg.dimensions.map((r) => r.value),
    agg.dimensions.map((r) => r.clicks),
    agg.dimensions.map((r) => r.botClicks),
  ]);
  if (agg.visitors.length > 0) {
    await client.query(INSERT_VISITORS, [
      agg.visitors.map((r) => r.linkId),
      agg.visitors.map((r) => r.bucket),
      agg.visitors.map((r) => r.visitorHash),
      agg.visitors.map((r) => r.isBot),
    ]);
  }
  const linkIds = agg.links.map((r) => r.linkId);
  await client.query(LOCK_LINKS_FOR_COUNT, [linkIds]);
  await client.query(ADD_CLICK_COUNTS, [linkIds, agg.links.map((r) => r.clicks)]);
}
