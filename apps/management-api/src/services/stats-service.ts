import type { Db } from '@boltlink/db/client';
import { rawEventsKeptFrom } from '@boltlink/db/queries/click-event-retention';
import {
  type AgentDimension,
  agentDimensions,
  type ClickDimension,
  clickDimensions,
  links,
  VARIANT_DIMENSION,
  type VariantDimension,
} from '@boltlink/db/schema';
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import type { AccountStatsQuery, StatsInterval, StatsQuery, StatsResult, TopLink } from '../schemas/stats.ts';
import type { AccountVisitors } from './account-visitors.ts';
import { boundedQuery, type EventScope, eventStats } from './stats-events.ts';
import {
  type BotSelection,
  type LinkSelection,
  resolveStatsFilters,
  type StatsFilters,
  selectsLinks,
  selectsVisitors,
} from './stats-filters.ts';

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

type Dimension = ClickDimension | VariantDimension | AgentDimension;
const dimensionNames: readonly Dimension[] = [...clickDimensions, VARIANT_DIMENSION, ...agentDimensions];

const DIMENSION_FIELD: Record<
  Dimension,
  keyof Pick<StatsResult, 'countries' | 'referrers' | 'devices' | 'browsers' | 'os' | 'variants'>
> = {
  country: 'countries',
  referrer: 'referrers',
  device: 'devices',
  browser: 'browsers',
  os: 'os',
  variant: 'variants',
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
  /** Runs one of the scope's statements: a set of links is bounded like the raw-event queries (stats-events.ts). */
  run<T extends Record<string, unknown>>(statement: SQL): Promise<T[]>;
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
function linkScope(rows: SQL, run: Scope['run']): Scope {
  return {
    rows,
    run,
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

/** The workspace's links a selection keeps, as a condition on `links l` (the links list's filters). */
function selectedLinks(workspaceId: string, selection: LinkSelection): SQL {
  const conditions = [sql`l.workspace_id = ${workspaceId}::uuid`];
  if (selection.tag !== undefined) conditions.push(sql`l.tags @> ARRAY[${selection.tag}]::text[]`);
  // Stored domains are lower-case (custom hostnames) or as configured: compared as the links list does.
  if (selection.domain !== undefined) conditions.push(sql`lower(l.domain) = ${selection.domain}`);
  if (selection.campaignId !== undefined) conditions.push(sql`l.campaign_id = ${selection.campaignId}::uuid`);
  return sql.join(conditions, sql` AND `);
}

// The account roll-ups already hold device, browser and OS as dimensions of their own. The account is the
// workspace: their user_id column holds the workspace id (ADR 0014).
function accountScope(workspaceId: string, run: Scope['run']): Scope {
  const rows = sql`r.user_id = ${workspaceId}::uuid`;
  return {
    rows,
    run,
    hourly: sql.raw('account_clicks_hourly'),
    daily: sql.raw('account_clicks_daily'),
    dimensionRows: (clicks, days) => sql`
      SELECT r.dimension, r.value, ${clicks} AS clicks
      FROM account_dimensions_daily r
      WHERE ${rows} AND ${days}`,
  };
}

const STEP_MS: Record<StatsInterval, number> = { hour: 3_600_000, day: DAY_MS };

/** The starts of the buckets a range touches (its first bucket holds `from`, its last `to`). */
export function bucketStarts(range: Pick<StatsRange, 'from' | 'to' | 'interval'>): Date[] {
  const step = STEP_MS[range.interval];
  const starts: Date[] = [];
  for (let t = Math.floor(range.from.getTime() / step) * step; t <= range.to.getTime(); t += step) {
    starts.push(new Date(t));
  }
  return starts;
}

/** The clicks a roll-up row of `table` counts for a bot selection (`clicks` holds bots too, `bot_clicks` them alone). */
function counted(bots: BotSelection, table: SQL): SQL {
  if (bots === 'all') return sql`${table}.clicks`;
  if (bots === 'bots') return sql`${table}.bot_clicks`;
  return sql`(${table}.clicks - ${table}.bot_clicks)`;
}

/** What a query asks: its range, its filters, and from when raw events are kept. */
interface Asked {
  range: StatsRange;
  filters: StatsFilters;
  rawEventsSince: Date;
}

/**
 * Statistics come from the cheapest source that answers them exactly. Without filters, or with only `bot` /
 * `includeBots`, the roll-ups of the link or the account, whose rows grow with days × distinct values, not
 * with clicks. With only link filters (tag, domain, campaignId), the per-link roll-ups summed over the links
 * chosen. With any visitor filter (country, referrer, device, browser, os), the raw click events of the range,
 * which are kept from `rawEventsSince` on: a range starting before it is clamped to it, and says so.
 */
export function createStatsService(deps: {
  /** Where statistics are read: the replica (DATABASE_READ_URL) when there is one. */
  db: Db;
  /**
   * The primary, for whether a link exists and is the caller's: a replica that lags would not know a link made
   * a moment ago and answer 404 for it. Absent: `db`.
   */
  primary?: Db;
  clock: () => Date;
  visitors: AccountVisitors;
  /** CLICK_EVENT_RETENTION_DAYS: how far back raw events go. */
  retentionDays: number;
}) {
  const { db, clock } = deps;
  const plain = async <T extends Record<string, unknown>>(statement: SQL): Promise<T[]> =>
    (await db.execute<T>(statement)).rows as T[];
  const bounded = <T extends Record<string, unknown>>(statement: SQL) =>
    boundedQuery<T>(db.$client, statement);

  function ask(query: Partial<AccountStatsQuery>): Asked {
    const filters = resolveStatsFilters(query);
    const now = clock();
    return {
      range: resolveRange(query, now),
      filters,
      rawEventsSince: rawEventsKeptFrom(now, deps.retentionDays),
    };
  }

  async function timeseries(scope: Scope, range: StatsRange, bots: BotSelection) {
    const from = range.from.toISOString();
    const to = range.to.toISOString();
    const query =
      range.interval === 'hour'
        ? sql`
          SELECT to_char(s.t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00.000"Z"') AS t, coalesce(a.clicks, 0)::bigint AS clicks
          FROM generate_series(date_trunc('hour', ${from}::timestamptz, 'UTC'), ${to}::timestamptz, interval '1 hour') AS s(t)
          LEFT JOIN (
            SELECT r.bucket, sum(${counted(bots, sql.raw('r'))}) AS clicks
            FROM ${scope.hourly} r
            WHERE ${scope.rows} AND r.bucket >= date_trunc('hour', ${from}::timestamptz, 'UTC') AND r.bucket <= ${to}::timestamptz
            GROUP BY r.bucket
          ) a ON a.bucket = s.t
          ORDER BY s.t`
        : sql`
          SELECT to_char(s.t, 'YYYY-MM-DD"T"00:00:00.000"Z"') AS t, coalesce(a.clicks, 0)::bigint AS clicks
          FROM generate_series((${from}::timestamptz AT TIME ZONE 'UTC')::date, (${to}::timestamptz AT TIME ZONE 'UTC')::date, interval '1 day') AS s(t)
          LEFT JOIN (
            SELECT r.bucket, sum(${counted(bots, sql.raw('r'))}) AS clicks
            FROM ${scope.daily} r
            WHERE ${scope.rows} AND r.bucket BETWEEN (${from}::timestamptz AT TIME ZONE 'UTC')::date AND (${to}::timestamptz AT TIME ZONE 'UTC')::date
            GROUP BY r.bucket
          ) a ON a.bucket = s.t::date
          ORDER BY s.t`;
    const rows = await scope.run<{ t: string; clicks: string }>(query);
    return rows.map((row) => ({ t: row.t, clicks: Number(row.clicks) }));
  }

  // Dimension and visitor roll-ups are daily: for an hourly range they cover the whole UTC days it touches.
  const dayBounds = (range: StatsRange) => sql`
    r.bucket BETWEEN (${range.from.toISOString()}::timestamptz AT TIME ZONE 'UTC')::date
      AND (${range.to.toISOString()}::timestamptz AT TIME ZONE 'UTC')::date`;
  /** The raw events of the UTC days the range touches, as dayBounds reads the daily roll-ups. */
  const eventDayBounds = (range: StatsRange) => {
    const first = Math.floor(range.from.getTime() / DAY_MS) * DAY_MS;
    const end = (Math.floor(range.to.getTime() / DAY_MS) + 1) * DAY_MS;
    return sql`r.occurred_at >= ${new Date(first).toISOString()}::timestamptz
      AND r.occurred_at < ${new Date(end).toISOString()}::timestamptz`;
  };

  async function dimensions(scope: Scope, range: StatsRange, bots: BotSelection) {
    const rows = await scope.run<{ dimension: Dimension; value: string; clicks: string }>(sql`
      SELECT dimension, value, clicks FROM (
        SELECT u.dimension, u.value, sum(u.clicks) AS clicks,
          row_number() OVER (PARTITION BY u.dimension ORDER BY sum(u.clicks) DESC, u.value) AS rank
        FROM (${scope.dimensionRows(counted(bots, sql.raw('r')), dayBounds(range))}) u
        GROUP BY u.dimension, u.value
      ) ranked
      WHERE (rank <= ${TOP} OR dimension = ${VARIANT_DIMENSION}) AND clicks > 0
      ORDER BY dimension, clicks DESC, value`);
    // Every variant with clicks: a split has at most 10, but renamed ones keep their counts under the old name.
    const out: Required<
      Pick<StatsResult, 'countries' | 'referrers' | 'devices' | 'browsers' | 'os' | 'variants'>
    > = {
      countries: [],
      referrers: [],
      devices: [],
      browsers: [],
      os: [],
      variants: [],
    };
    for (const row of rows) {
      if (!dimensionNames.includes(row.dimension)) continue;
      out[DIMENSION_FIELD[row.dimension]].push({ value: row.value, clicks: Number(row.clicks) });
    }
    return out;
  }

  // Unique visitors of links are exact, over the UTC days the range touches: the visitors of the raw events (the
  // covering index of link_id and occurred_at INCLUDEs visitor_hash and is_bot: an index-only scan of the links'
  // entries) together with link_visitors_daily, which holds the visitors of days whose events have left the
  // retention (migration 0018). A visitor found in both counts once, so the rows consumers of earlier releases
  // wrote for kept days change nothing. Hashed, not sorted; a set of links reads each link's entries the same way.
  async function linkVisitors(scope: Scope, range: StatsRange, bots: BotSelection): Promise<number> {
    const who = bots === 'all' ? sql`` : bots === 'bots' ? sql`AND r.is_bot` : sql`AND NOT r.is_bot`;
    const rows = await scope.run<{ visitors: string }>(sql`
      SELECT count(*) AS visitors FROM (
        SELECT r.visitor_hash FROM link_visitors_daily r
        WHERE ${scope.rows} AND ${dayBounds(range)} ${who}
        UNION
        SELECT r.visitor_hash FROM click_events r
        WHERE ${scope.rows} AND ${eventDayBounds(range)} AND r.visitor_hash IS NOT NULL ${who}
      ) v`);
    return Number(rows[0]?.visitors ?? 0);
  }

  const answerOf = (asked: Asked, source: StatsResult['source'], clamped = false) => ({
    from: asked.range.from.toISOString(),
    to: asked.range.to.toISOString(),
    interval: asked.range.interval,
    includeBots: asked.filters.bots !== 'people',
    source,
    rawEventsSince: asked.rawEventsSince.toISOString(),
    clampedToRawEvents: clamped,
  });

  async function fromRollups(
    scope: Scope,
    uniqueVisitors: Promise<number>,
    asked: Asked,
  ): Promise<StatsResult> {
    const { range, filters } = asked;
    const [series, dims, uniques] = await Promise.all([
      timeseries(scope, range, filters.bots),
      dimensions(scope, range, filters.bots),
      uniqueVisitors,
    ]);
    return {
      ...answerOf(asked, 'rollups'),
      total: series.reduce((sum, point) => sum + point.clicks, 0),
      uniqueVisitors: uniques,
      timeseries: series,
      ...dims,
    };
  }

  async function fromEvents(scope: EventScope, asked: Asked, topLinks: boolean) {
    const { filters, rawEventsSince } = asked;
    const clamped = asked.range.from.getTime() < rawEventsSince.getTime();
    const range = clamped ? { ...asked.range, from: rawEventsSince } : asked.range;
    if (range.from.getTime() > range.to.getTime()) {
      throw new AppError(
        'validation_failed',
        `to: filtered statistics count raw click events, kept from ${rawEventsSince.toISOString()} on (rawEventsSince); this range ends before`,
      );
    }
    const starts = bucketStarts(range);
    const first = starts[0] ?? range.from;
    const end = new Date((starts.at(-1) ?? first).getTime() + STEP_MS[range.interval]);
    const answer = await eventStats(db.$client, {
      scope,
      visitor: filters.visitor,
      bots: filters.bots,
      start: first,
      end,
      interval: range.interval,
      topLinks,
    });
    const series = starts.map((t) => {
      const iso = t.toISOString();
      return { t: iso, clicks: answer.buckets.get(iso) ?? 0 };
    });
    const result: StatsResult = {
      ...answerOf({ ...asked, range }, 'events', clamped),
      total: series.reduce((sum, point) => sum + point.clicks, 0),
      uniqueVisitors: answer.uniqueVisitors,
      timeseries: series,
      countries: answer.countries,
      referrers: answer.referrers,
      devices: answer.devices,
      browsers: answer.browsers,
      os: answer.os,
      variants: answer.variants,
    };
    return { result, topLinks: answer.topLinks };
  }

  /** The code and domain of the top links, in the order given. */
  async function describeLinks(top: { id: string; clicks: number }[]): Promise<TopLink[]> {
    if (top.length === 0) return [];
    const ids = top.map((link) => link.id);
    const rows = await db
      .select({ id: links.id, code: links.code, domain: links.domain })
      .from(links)
      .where(inArray(links.id, ids));
    const byId = new Map(rows.map((row) => [row.id, row]));
    return top.flatMap((link) => {
      const row = byId.get(link.id);
      return row ? [{ id: row.id, code: row.code, domain: row.domain, clicks: link.clicks }] : [];
    });
  }

  async function topLinksFromRollups(links: SQL, asked: Asked, run: Scope['run']): Promise<TopLink[]> {
    const top = await run<{ id: string; code: string; domain: string; clicks: string }>(sql`
      SELECT l.id, l.code, l.domain, t.clicks FROM (
        SELECT r.link_id, sum(${counted(asked.filters.bots, sql.raw('r'))}) AS clicks
        FROM link_clicks_daily r
        WHERE r.link_id IN (SELECT l.id FROM links l WHERE ${links}) AND ${dayBounds(asked.range)}
        GROUP BY r.link_id
      ) t JOIN links l ON l.id = t.link_id
      WHERE t.clicks > 0
      ORDER BY t.clicks DESC, l.id
      LIMIT ${TOP}`);
    return top.map((row) => ({
      id: row.id,
      code: row.code,
      domain: row.domain,
      clicks: Number(row.clicks),
    }));
  }

  return {
    async forLink(workspaceId: string, linkId: string, query: StatsQuery): Promise<StatsResult> {
      const asked = ask(query);
      const [owned] = await (deps.primary ?? db)
        .select({ id: links.id })
        .from(links)
        .where(and(eq(links.id, linkId), eq(links.workspaceId, workspaceId)));
      if (!owned) throw new AppError('not_found', 'link not found');
      if (selectsVisitors(asked.filters)) {
        return (await fromEvents({ linkId: owned.id }, asked, false)).result;
      }
      const scope = linkScope(sql`r.link_id = ${owned.id}::uuid`, plain);
      return fromRollups(scope, linkVisitors(scope, asked.range, asked.filters.bots), asked);
    },

    async forAccount(
      workspaceId: string,
      query: AccountStatsQuery,
    ): Promise<StatsResult & { topLinks: TopLink[] }> {
      const asked = ask(query);
      const { filters, range } = asked;
      const chosen = selectedLinks(workspaceId, filters.links);
      if (selectsVisitors(filters)) {
        const { result, topLinks } = await fromEvents({ links: chosen }, asked, true);
        return { ...result, topLinks: await describeLinks(topLinks) };
      }
      if (selectsLinks(filters)) {
        // The per-link roll-ups of the links chosen, summed: exact, unique visitors included.
        const scope = linkScope(sql`r.link_id IN (SELECT l.id FROM links l WHERE ${chosen})`, bounded);
        const [stats, top] = await Promise.all([
          fromRollups(scope, linkVisitors(scope, range, filters.bots), asked),
          topLinksFromRollups(chosen, asked, bounded),
        ]);
        return { ...stats, topLinks: top };
      }
      const [stats, top] = await Promise.all([
        // Account-wide unique visitors are a HyperLogLog estimate (account-visitors.ts): an exact count
        // would read about one row per click.
        fromRollups(
          accountScope(workspaceId, plain),
          deps.visitors.count(workspaceId, utcDays(range), filters.bots),
          asked,
        ),
        topLinksFromRollups(chosen, asked, plain),
      ]);
      return { ...stats, topLinks: top };
    },
  };
}

export type StatsService = ReturnType<typeof createStatsService>;
