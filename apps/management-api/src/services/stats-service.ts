import type { Db } from '@boltlink/db/client';
import {
  type AgentDimension,
  agentDimensions,
  type ClickDimension,
  clickDimensions,
  links,
} from '@boltlink/db/schema';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import type { StatsInterval, StatsQuery, StatsResult, TopLink } from '../schemas/stats.ts';
import type { AccountVisitors } from './account-visitors.ts';

export interface StatsRange {
  from: Date;
  to: Date;
  interval: StatsInterval;
  includeBots: boolean;
}

const DAY_MS = 86_400_000;
/** Bounded ranges keep every answer a few hundred buckets at most: 31 days of hours, 2 years of days. */
export const MAX_RANGE_MS: Record<StatsInterval, number> = { hour: 31 * DAY_MS, day: 731 * DAY_MS };
const DEFAULT_RANGE_MS: Record<StatsInterval, number> = { hour: DAY_MS, day: 30 * DAY_MS };
const TOP = 10;

// JavaScript dates reach far beyond what Postgres stores (and no click predates 1970): out-of-range
// instants are a 400 here rather than a database error.
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

export function parseInstant(name: string, raw: string): Date {
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) {
    throw new AppError('validation_failed', `${name}: is not a valid date or date-time`);
  }
  if (date.getTime() < EARLIEST || date.getTime() > LATEST) {
    throw new AppError('validation_failed', `${name}: must be between 1970-01-01 and 9999-12-31`);
  }
  return date;
}

export function resolveRange(query: StatsQuery, now: Date): StatsRange {
  const interval = query.interval ?? 'day';
  const to = query.to === undefined ? now : parseInstant('to', query.to);
  const from =
    query.from === undefined
      ? new Date(to.getTime() - DEFAULT_RANGE_MS[interval])
      : parseInstant('from', query.from);
  if (from.getTime() > to.getTime()) throw new AppError('validation_failed', 'from: must not be after to');
  if (to.getTime() - from.getTime() > MAX_RANGE_MS[interval]) {
    const limit = interval === 'hour' ? '31 days with interval=hour' : '731 days with interval=day';
    throw new AppError('validation_failed', `to: the range may span at most ${limit}`);
  }
  return { from, to, interval, includeBots: query.includeBots ?? false };
}

type Dimension = ClickDimension | AgentDimension;
const dimensionNames: readonly Dimension[] = [...clickDimensions, ...agentDimensions];

const DIMENSION_FIELD: Record<
  Dimension,
  keyof Pick<StatsResult, 'countries' | 'referrers' | 'devices' | 'browsers' | 'os'>
> = {
  country: 'countries',
  referrer: 'referrers',
  device: 'devices',
  browser: 'browsers',
  os: 'os',
};

/** The UTC days (YYYY-MM-DD) a range touches, as the daily roll-ups count them. */
export function utcDays(range: Pick<StatsRange, 'from' | 'to'>): string[] {
  const days: string[] = [];
  const last = Math.floor(range.to.getTime() / DAY_MS);
  for (let day = Math.floor(range.from.getTime() / DAY_MS); day <= last; day += 1) {
    days.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * Where one scope's statistics live: the same query shapes read a link's roll-ups or its owner's account
 * roll-ups (migration 0005), whose rows grow with days × distinct values instead of with clicks. `rows` is
 * the scope's condition on the roll-up alias `r`; the account tables hold one row per ingestion shard,
 * which every query sums like any other rows of a bucket.
 */
interface Scope {
  rows: SQL;
  hourly: SQL;
  daily: SQL;
  /** Rows of (dimension, value, clicks) over the days of the range, before they are summed and ranked. */
  dimensionRows(clicks: SQL, days: SQL): SQL;
}

// Country and referrer come from link_dimensions_daily; device, browser and OS from link_agents_daily
// (one row per combination), summed by each of its three columns in one pass (grouping sets: one hash table
// per column, half the time of expanding every row into three). Rows written to link_dimensions_daily
// for device, browser and OS before link_agents_daily existed (migration 0003) are still read, so every
// click counted then stays counted: a day ingested across the migration adds both sources.
function linkScope(linkId: string): Scope {
  const rows = sql`r.link_id = ${linkId}::uuid`;
  return {
    rows,
    hourly: sql.raw('link_clicks_hourly'),
    daily: sql.raw('link_clicks_daily'),
    dimensionRows: (clicks, days) => sql`
      SELECT r.dimension, r.value, ${clicks} AS clicks
      FROM link_dimensions_daily r
      WHERE ${rows} AND ${days}
      UNION ALL
      SELECT
        CASE WHEN grouping(r.device) = 0 THEN 'device' WHEN grouping(r.browser) = 0 THEN 'browser' ELSE 'os' END,
        coalesce(r.device, r.browser, r.os), sum(${clicks})
      FROM link_agents_daily r
      WHERE ${rows} AND ${days}
      GROUP BY GROUPING SETS ((r.device), (r.browser), (r.os))`,
  };
}

// The account roll-ups already hold device, browser and OS as dimensions of their own. The account is the
// workspace: their user_id column holds the workspace id (ADR 0014).
function accountScope(workspaceId: string): Scope {
  const rows = sql`r.user_id = ${workspaceId}::uuid`;
  return {
    rows,
    hourly: sql.raw('account_clicks_hourly'),
    daily: sql.raw('account_clicks_daily'),
    dimensionRows: (clicks, days) => sql`
      SELECT r.dimension, r.value, ${clicks} AS clicks
      FROM account_dimensions_daily r
      WHERE ${rows} AND ${days}`,
  };
}

/**
 * Statistics read only the roll-up tables the analytics consumer maintains, never click_events: the cost of
 * a query grows with the number of buckets in the range, not with all-time traffic.
 */
export function createStatsService(deps: { db: Db; clock: () => Date; visitors: AccountVisitors }) {
  const { db, clock } = deps;

  const counted = (range: StatsRange, table: SQL) =>
    range.includeBots ? sql`${table}.clicks` : sql`(${table}.clicks - ${table}.bot_clicks)`;

  async function timeseries(scope: Scope, range: StatsRange) {
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const query =
      range.interval === 'hour'
        ? sql`
          SELECT to_char(s.t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00.000"Z"') AS t, coalesce(a.clicks, 0)::bigint AS clicks
          FROM generate_series(date_trunc('hour', ${from}::timestamptz, 'UTC'), ${to}::timestamptz, interval '1 hour') AS s(t)
          LEFT JOIN (
            SELECT r.bucket, sum(${counted(range, sql.raw('r'))}) AS clicks
            FROM ${scope.hourly} r
            WHERE ${scope.rows} AND r.bucket >= date_trunc('hour', ${from}::timestamptz, 'UTC') AND r.bucket <= ${to}::timestamptz
            GROUP BY r.bucket
          ) a ON a.bucket = s.t
          ORDER BY s.t`
        : sql`
          SELECT to_char(s.t, 'YYYY-MM-DD"T"00:00:00.000"Z"') AS t, coalesce(a.clicks, 0)::bigint AS clicks
          FROM generate_series((${from}::timestamptz AT TIME ZONE 'UTC')::date, (${to}::timestamptz AT TIME ZONE 'UTC')::date, interval '1 day') AS s(t)
          LEFT JOIN (
            SELECT r.bucket, sum(${counted(range, sql.raw('r'))}) AS clicks
            FROM ${scope.daily} r
            WHERE ${scope.rows} AND r.bucket BETWEEN (${from}::timestamptz AT TIME ZONE 'UTC')::date AND (${to}::timestamptz AT TIME ZONE 'UTC')::date
            GROUP BY r.bucket
          ) a ON a.bucket = s.t::date
          ORDER BY s.t`;
    const result = await db.execute<{ t: string; clicks: string }>(query);
    return result.rows.map((row) => ({ t: row.t, clicks: Number(row.clicks) }));
  }

  // Dimension and visitor roll-ups are daily: for an hourly range they cover the whole UTC days it touches.
  const dayBounds = (range: StatsRange) => sql`
    r.bucket BETWEEN (${range.from.toISOString()}::timestamptz AT TIME ZONE 'UTC')::date
      AND (${range.to.toISOString()}::timestamptz AT TIME ZONE 'UTC')::date`;

  async function dimensions(scope: Scope, range: StatsRange) {
    const result = await db.execute<{ dimension: Dimension; value: string; clicks: string }>(sql`
      SELECT dimension, value, clicks FROM (
        SELECT u.dimension, u.value, sum(u.clicks) AS clicks,
          row_number() OVER (PARTITION BY u.dimension ORDER BY sum(u.clicks) DESC, u.value) AS rank
        FROM (${scope.dimensionRows(counted(range, sql.raw('r')), dayBounds(range))}) u
        GROUP BY u.dimension, u.value
      ) ranked
      WHERE rank <= ${TOP} AND clicks > 0
      ORDER BY dimension, clicks DESC, value`);
    const out: Pick<StatsResult, 'countries' | 'referrers' | 'devices' | 'browsers' | 'os'> = {
      countries: [],
      referrers: [],
      devices: [],
      browsers: [],
      os: [],
    };
    for (const row of result.rows) {
      if (!dimensionNames.includes(row.dimension)) continue;
      out[DIMENSION_FIELD[row.dimension]].push({ value: row.value, clicks: Number(row.clicks) });
    }
    return out;
  }

  // A link's unique visitors are exact: link_visitors_daily holds one row per visitor and day. The count reads
  // its primary key alone (it INCLUDEs is_bot, migration 0007) and hashes the visitors instead of sorting them.
  async function linkVisitors(linkId: string, range: StatsRange): Promise<number> {
    const bots = range.includeBots ? sql`` : sql`AND NOT r.is_bot`;
    const result = await db.execute<{ visitors: string }>(sql`
      SELECT count(*) AS visitors FROM (
        SELECT r.visitor_hash FROM link_visitors_daily r
        WHERE r.link_id = ${linkId}::uuid AND ${dayBounds(range)} ${bots}
        GROUP BY r.visitor_hash
      ) v`);
    return Number(result.rows[0]?.visitors ?? 0);
  }

  async function statsFor(
    scope: Scope,
    uniqueVisitors: Promise<number>,
    range: StatsRange,
  ): Promise<StatsResult> {
    const [series, dims, uniques] = await Promise.all([
      timeseries(scope, range),
      dimensions(scope, range),
      uniqueVisitors,
    ]);
    return {
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      interval: range.interval,
      includeBots: range.includeBots,
      total: series.reduce((sum, point) => sum + point.clicks, 0),
      uniqueVisitors: uniques,
      timeseries: series,
      ...dims,
    };
  }

  return {
    async forLink(workspaceId: string, linkId: string, query: StatsQuery): Promise<StatsResult> {
      const range = resolveRange(query, clock());
      const [owned] = await db
        .select({ id: links.id })
        .from(links)
        .where(and(eq(links.id, linkId), eq(links.workspaceId, workspaceId)));
      if (!owned) throw new AppError('not_found', 'link not found');
      return statsFor(linkScope(owned.id), linkVisitors(owned.id, range), range);
    },

    async forAccount(workspaceId: string, query: StatsQuery): Promise<StatsResult & { topLinks: TopLink[] }> {
      const range = resolveRange(query, clock());
      const ownLinks = sql`r.link_id IN (SELECT l.id FROM links l WHERE l.workspace_id = ${workspaceId}::uuid)`;
      const [stats, top] = await Promise.all([
        // Account-wide unique visitors are a HyperLogLog estimate (account-visitors.ts): an exact count
        // would read about one row per click.
        statsFor(
          accountScope(workspaceId),
          deps.visitors.count(workspaceId, utcDays(range), range.includeBots),
          range,
        ),
        db.execute<{ id: string; code: string; domain: string; clicks: string }>(sql`
          SELECT l.id, l.code, l.domain, t.clicks FROM (
            SELECT r.link_id, sum(${counted(range, sql.raw('r'))}) AS clicks
            FROM link_clicks_daily r
            WHERE ${ownLinks} AND ${dayBounds(range)}
            GROUP BY r.link_id
          ) t JOIN links l ON l.id = t.link_id
          WHERE t.clicks > 0
          ORDER BY t.clicks DESC, l.id
          LIMIT ${TOP}`),
      ]);
      return {
        ...stats,
        topLinks: top.rows.map((row) => ({
          id: row.id,
          code: row.code,
          domain: row.domain,
          clicks: Number(row.clicks),
        })),
      };
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
