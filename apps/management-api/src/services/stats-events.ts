import { type SQL, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Pool } from 'pg';
import { AppError } from '../errors.ts';
import type { Counted, StatsInterval } from '../schemas/stats.ts';
import type { BotSelection } from './stats-filters.ts';
import { VISITOR_FILTER_COLUMNS, type VisitorFilters } from './visits-service.ts';

const dialect = new PgDialect();

/**
 * A filtered query reads rows that grow with the links chosen and the range: raw events (a workspace's busiest
 * links over the retention period), or the per-link roll-ups of hundreds of links. Each of its statements gets
 * this long, then the request is answered 503 with what to narrow, instead of holding a connection and a core
 * for the API's general 10 s (whose end would be a 500).
 */
export const FILTERED_STATS_TIMEOUT_MS = 5_000;
const TOP = 10;
/** The value cap and substitutes of the roll-ups (apps/analytics-consumer ingest-clicks.ts), so both sources agree. */
const VALUE_MAX = 255;
const UNKNOWN_COUNTRY = 'unknown';
const DIRECT_REFERRER = '(direct)';

/** Whose events: one link's, or those of the links a workspace query selects (a condition on `links l`). */
export type EventScope = { linkId: string } | { links: SQL };

export interface EventQuery {
  scope: EventScope;
  visitor: VisitorFilters;
  bots: BotSelection;
  /** [start, end): whole buckets of the interval. */
  start: Date;
  end: Date;
  interval: StatsInterval;
  topLinks: boolean;
}

export interface EventAnswer {
  /** Clicks per bucket start (ISO), only the buckets with clicks. */
  buckets: Map<string, number>;
  countries: Counted[];
  referrers: Counted[];
  devices: Counted[];
  browsers: Counted[];
  os: Counted[];
  /** Every A/B variant with clicks (not ranked to 10). */
  variants: Counted[];
  topLinks: { id: string; clicks: number }[];
  uniqueVisitors: number;
}

function eventWhere(query: EventQuery): SQL {
  const where: SQL[] = [
    'linkId' in query.scope
      ? sql`e.link_id = ${query.scope.linkId}::uuid`
      : sql`e.link_id IN (SELECT l.id FROM links l WHERE ${query.scope.links})`,
    // Constant bounds: the planner keeps only the day partitions of the range.
    sql`e.occurred_at >= ${query.start.toISOString()}::timestamptz`,
    sql`e.occurred_at < ${query.end.toISOString()}::timestamptz`,
  ];
  for (const [name, column] of Object.entries(VISITOR_FILTER_COLUMNS)) {
    const value = query.visitor[name as keyof VisitorFilters];
    if (value === undefined) continue;
    where.push(value === null ? sql`${sql.raw(column)} IS NULL` : sql`${sql.raw(column)} = ${value}`);
  }
  if (query.bots === 'people') where.push(sql`NOT e.is_bot`);
  if (query.bots === 'bots') where.push(sql`e.is_bot`);
  return sql.join(where, sql` AND `);
}

const DIMENSION_FIELD = {
  country: 'countries',
  referrer: 'referrers',
  device: 'devices',
  browser: 'browsers',
  os: 'os',
  variant: 'variants',
} as const;

/**
 * Every count of the answer in one statement and one pass over the events: the chosen events are read once
 * (a parallel index-only scan of the link's entries, migration 0016) into a CTE, whose rows the filters have
 * already narrowed; the lists are grouping sets over it (one hash table per list, as the per-link
 * device/browser/OS lists are summed), each ranked to its top 10 as the roll-ups rank theirs, and the distinct
 * visitors are counted from the same rows. Reading the events once, not once per count, is half the work of a
 * filtered query (bench/results/stats-filters.md).
 */
export async function eventStats(pool: Pool, query: EventQuery): Promise<EventAnswer> {
  const where = eventWhere(query);
  const unit = sql.raw(query.interval === 'hour' ? "'hour'" : "'day'");
  // The link of each event only when the top links are asked for (the account's answers).
  const linkSet = sql.raw(query.topLinks ? ', (link_id)' : '');
  const linkValue = sql.raw(query.topLinks ? ', link_id::text' : '');
  const linkColumn = sql.raw(query.topLinks ? ', e.link_id' : '');
  const max = sql.raw(String(VALUE_MAX));
  const statement = sql`
    WITH s AS MATERIALIZED (
      SELECT date_trunc(${unit}, e.occurred_at, 'UTC') AS bucket,
        coalesce(e.country::text, ${sql.raw(`'${UNKNOWN_COUNTRY}'`)}) AS country,
        left(coalesce(e.referrer_host, ${sql.raw(`'${DIRECT_REFERRER}'`)}), ${max}) AS referrer,
        left(e.device, ${max}) AS device, left(e.browser, ${max}) AS browser,
        left(e.os, ${max}) AS os, e.variant, e.visitor_hash${linkColumn}
      FROM click_events e WHERE ${where}
    )
    SELECT dimension, value, clicks FROM (
      SELECT dimension, value, clicks,
        row_number() OVER (PARTITION BY dimension ORDER BY clicks DESC, value) AS rank
      FROM (
        SELECT
          CASE WHEN grouping(bucket) = 0 THEN 'bucket' WHEN grouping(country) = 0 THEN 'country'
            WHEN grouping(referrer) = 0 THEN 'referrer' WHEN grouping(device) = 0 THEN 'device'
            WHEN grouping(browser) = 0 THEN 'browser' WHEN grouping(os) = 0 THEN 'os'
            WHEN grouping(variant) = 0 THEN 'variant' ELSE 'link' END AS dimension,
          coalesce(to_char(bucket AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            country, referrer, device, browser, os, variant${linkValue}) AS value,
          count(*) AS clicks
        FROM s
        GROUP BY GROUPING SETS ((bucket), (country), (referrer), (device), (browser), (os), (variant)${linkSet})
      ) g
      -- Clicks without a variant make a group of their own (NULL): not a variant.
      WHERE value IS NOT NULL
    ) ranked
    WHERE dimension IN ('bucket', 'variant') OR rank <= ${sql.raw(String(TOP))}
    UNION ALL
    -- count(DISTINCT) leaves out the NULL hashes of clicks recorded without a visitor.
    SELECT 'visitors', NULL, count(DISTINCT visitor_hash) FROM s
    ORDER BY dimension, clicks DESC, value`;
  const rows = await boundedQuery<{ dimension: string; value: string | null; clicks: string }>(
    pool,
    statement,
  );
  const answer: EventAnswer = {
    buckets: new Map(),
    countries: [],
    referrers: [],
    devices: [],
    browsers: [],
    os: [],
    variants: [],
    topLinks: [],
    uniqueVisitors: 0,
  };
  for (const row of rows) {
    const clicks = Number(row.clicks);
    if (row.dimension === 'visitors') answer.uniqueVisitors = clicks;
    else if (row.value === null) continue;
    else if (row.dimension === 'bucket') answer.buckets.set(row.value, clicks);
    else if (row.dimension === 'link') answer.topLinks.push({ id: row.value, clicks });
    else if (row.dimension in DIMENSION_FIELD) {
      answer[DIMENSION_FIELD[row.dimension as keyof typeof DIMENSION_FIELD]].push({
        value: row.value,
        clicks,
      });
    }
  }
  return answer;
}

/** One statement under FILTERED_STATS_TIMEOUT_MS; a statement cut off by it becomes a 503 saying what to narrow. */
export async function boundedQuery<T extends Record<string, unknown>>(
  pool: Pool,
  statement: SQL,
): Promise<T[]> {
  const { sql: text, params } = dialect.sqlToQuery(statement);
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${FILTERED_STATS_TIMEOUT_MS}`);
    const result = await client.query<T>(text, params);
    await client.query('COMMIT');
    return result.rows;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    if ((error as { code?: string }).code === '57014') {
      throw new AppError(
        'unavailable',
        `these filtered statistics took over ${FILTERED_STATS_TIMEOUT_MS / 1000} s to count: ` +
          'narrow the range, or the links (a link, tag, domain or campaignId)',
      );
    }
    throw error;
  } finally {
    client.release(broken ? true : undefined);
  }
}
