import type { Db } from '@boltlink/db/client';
import { rawEventsKeptFrom } from '@boltlink/db/queries/click-event-retention';
import type { PoolClient } from 'pg';
import Cursor from 'pg-cursor';
import { AppError } from '../errors.ts';
import { DEFAULT_PAGE_SIZE } from '../schemas/common.ts';
import type { Visit, VisitFilterQuery, VisitPage, VisitsQuery } from '../schemas/visits.ts';
import { decodeCursor, encodeCursor } from './link-list.ts';
import { parseInstant } from './stats-service.ts';

const DAY_MS = 86_400_000;
/** Rows fetched from the server-side cursor at a time: a few hundred kB, whatever the export's size. */
export const EXPORT_BATCH_ROWS = 1000;
/**
 * An export is one statement per day read through a cursor, and the client's reading pace sets how long it
 * runs (backpressure), so the API's 10 s statement timeout would cut off any large export. It gets this
 * bound instead: a stalled reader releases its connection after it.
 */
const EXPORT_STATEMENT_TIMEOUT_MS = 15 * 60_000;
/** Exports hold a pooled connection each for their whole length: a few at once per API process. */
const EXPORTS_IN_FLIGHT = 2;

/** Whose visits: one link (already checked to be the workspace's) or every link of a workspace. */
export type VisitScope = { linkId: string } | { workspaceId: string };

/** The visitor dimensions a visit filter matches, as stored: null stands for `unknown` / `(direct)`. */
export interface VisitorFilters {
  /** null: visits without a country (`unknown`). */
  country?: string | null;
  /** null: visits without a referrer (`(direct)`). */
  referrer?: string | null;
  device?: string;
  browser?: string;
  os?: string;
  /** The A/B variant's name. */
  variant?: string;
}

/** The click_events column each visitor filter compares (alias `e`); the visits and the stats read it here. */
export const VISITOR_FILTER_COLUMNS: Record<keyof VisitorFilters, string> = {
  country: 'e.country',
  referrer: 'e.referrer_host',
  device: 'e.device',
  browser: 'e.browser',
  os: 'e.os',
  variant: 'e.variant',
};

/** The visitor filters of a query, in the stored form: country codes in capitals, `unknown` and `(direct)` as null. */
export function visitorFilters(query: Pick<VisitFilterQuery, keyof VisitorFilters>): VisitorFilters {
  return {
    ...(query.country !== undefined && {
      country: query.country === 'unknown' ? null : query.country.toUpperCase(),
    }),
    ...(query.referrer !== undefined && { referrer: query.referrer === '(direct)' ? null : query.referrer }),
    ...(query.device !== undefined && { device: query.device }),
    ...(query.browser !== undefined && { browser: query.browser }),
    ...(query.os !== undefined && { os: query.os }),
    ...(query.variant !== undefined && { variant: query.variant }),
  };
}

interface Filters extends VisitorFilters {
  from: Date;
  to: Date;
  bot?: boolean;
}

interface After {
  t: string;
  id: string;
}

/** The filters of a query, with the range clamped to the raw data kept. */
export function resolveVisitFilters(
  query: VisitFilterQuery,
  now: Date,
  retentionDays: number,
): Filters & { rawEventsSince: Date } {
  const rawEventsSince = rawEventsKeptFrom(now, retentionDays);
  const to = query.to === undefined ? now : parseInstant('to', query.to);
  const asked = query.from === undefined ? rawEventsSince : parseInstant('from', query.from);
  if (asked.getTime() > to.getTime()) throw new AppError('validation_failed', 'from: must not be after to');
  // Before rawEventsSince there is nothing left to list: asking for it is not an error.
  const from = asked.getTime() < rawEventsSince.getTime() ? rawEventsSince : asked;
  return {
    from,
    to,
    rawEventsSince,
    ...visitorFilters(query),
    ...(query.bot !== undefined && { bot: query.bot }),
  };
}

const COLUMNS = `e.event_id AS id, e.link_id AS "linkId",
  to_char(e.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "occurredAt",
  e.country::text AS country, e.referrer_host AS "referrerHost", e.device, e.browser, e.os, e.is_bot AS bot,
  e.variant`;

/**
 * One statement over click_events, newest first. A link's visits are read from its index (link_id,
 * occurred_at) backwards in each day partition the window touches, merged (no sort of the link's rows); a
 * workspace's are read one day at a time by the callers, so a page or an export sorts at most one day.
 */
export function visitsStatement(
  scope: VisitScope,
  filters: Filters,
  window: { from: Date; to: Date },
  options: { after?: After; limit?: number } = {},
): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const p = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  const where = [
    'linkId' in scope
      ? `e.link_id = ${p(scope.linkId)}::uuid`
      : `e.link_id IN (SELECT l.id FROM links l WHERE l.workspace_id = ${p(scope.workspaceId)}::uuid)`,
    `e.occurred_at >= ${p(window.from.toISOString())}::timestamptz`,
    `e.occurred_at < ${p(window.to.toISOString())}::timestamptz`,
  ];
  where.push(...visitorConditions(filters, p));
  if (filters.bot !== undefined) where.push(`e.is_bot = ${p(filters.bot)}`);
  if (options.after) {
    where.push(
      `(e.occurred_at, e.event_id) < (${p(options.after.t)}::timestamptz, ${p(options.after.id)}::uuid)`,
    );
  }
  const limit = options.limit === undefined ? '' : ` LIMIT ${p(options.limit)}`;
  return {
    text: `SELECT ${COLUMNS} FROM click_events e WHERE ${where.join(' AND ')}
      ORDER BY e.occurred_at DESC, e.event_id DESC${limit}`,
    values,
  };
}

/** The SQL conditions of visitor filters on click_events `e`; `p` adds a parameter and returns its placeholder. */
export function visitorConditions(filters: VisitorFilters, p: (value: unknown) => string): string[] {
  const where: string[] = [];
  for (const [name, column] of Object.entries(VISITOR_FILTER_COLUMNS)) {
    const value = filters[name as keyof VisitorFilters];
    if (value === undefined) continue;
    where.push(value === null ? `${column} IS NULL` : `${column} = ${p(value)}`);
  }
  return where;
}

/** The UTC days of [from, to), newest first, each clipped to the range. */
export function dayWindows(from: Date, to: Date, startingAt = to.getTime() - 1): { from: Date; to: Date }[] {
  const windows: { from: Date; to: Date }[] = [];
  if (to.getTime() <= from.getTime()) return windows;
  for (let day = Math.floor(startingAt / DAY_MS) * DAY_MS; day + DAY_MS > from.getTime(); day -= DAY_MS) {
    windows.push({
      from: new Date(Math.max(day, from.getTime())),
      to: new Date(Math.min(day + DAY_MS, to.getTime())),
    });
  }
  return windows;
}

export interface VisitsService {
  /** One page, newest first. */
  page(scope: VisitScope, query: VisitsQuery): Promise<VisitPage>;
  /**
   * Every visit the filters select, newest first, in batches read from a server-side cursor as the caller
   * asks for them. Filters are checked and an export slot taken before it returns, so a bad query or a
   * full house is an error response, not a cut-off stream.
   */
  exportVisits(
    scope: VisitScope,
    query: VisitFilterQuery,
  ): {
    rawEventsSince: Date;
    batches: AsyncGenerator<Visit[]>;
    /** Gives the export's slot back; call it when the response closes (also done when the batches end). */
    done(): void;
  };
}

export function createVisitsService(deps: {
  /** The read database (replica when there is one). */
  db: Db;
  retentionDays: number;
  clock: () => Date;
}): VisitsService {
  const pool = deps.db.$client;
  let exportsInFlight = 0;

  async function select(
    scope: VisitScope,
    filters: Filters,
    window: { from: Date; to: Date },
    after: After | undefined,
    limit: number,
  ) {
    const statement = visitsStatement(scope, filters, window, { ...(after && { after }), limit });
    return (await pool.query<Visit>(statement.text, statement.values)).rows;
  }

  async function* batches(scope: VisitScope, filters: Filters, done: () => void): AsyncGenerator<Visit[]> {
    let client: PoolClient | undefined;
    let broken = false;
    try {
      client = await pool.connect();
      const windows = 'linkId' in scope ? [filters] : dayWindows(filters.from, filters.to);
      for (const window of windows) {
        const statement = visitsStatement(scope, filters, window);
        // Each window reads in a read-only transaction with its timeout set for that transaction only
        // (SET LOCAL): a session setting would outlive the export on a pooled server connection (PgBouncer).
        await client.query('BEGIN READ ONLY');
        await client.query(`SET LOCAL statement_timeout = ${EXPORT_STATEMENT_TIMEOUT_MS}`);
        const cursor = client.query(new Cursor<Visit>(statement.text, statement.values));
        try {
          for (;;) {
            const rows = await cursor.read(EXPORT_BATCH_ROWS);
            if (rows.length === 0) break;
            yield rows;
          }
        } catch (error) {
          broken = true;
          throw error;
        } finally {
          await cursor.close().catch(() => {
            broken = true;
          });
          if (!broken) {
            await client.query('COMMIT').catch(() => {
              broken = true;
            });
          }
        }
      }
    } finally {
      done();
      // A connection left mid-statement or mid-transaction is closed rather than handed to the next request.
      client?.release(broken ? true : undefined);
    }
  }

  return {
    async page(scope, query) {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE;
      const filters = resolveVisitFilters(query, deps.clock(), deps.retentionDays);
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      const want = limit + 1;
      let rows: Visit[];
      if ('linkId' in scope) {
        rows = await select(scope, filters, filters, after, want);
      } else {
        rows = [];
        const start = after ? Math.min(Date.parse(after.t), filters.to.getTime() - 1) : undefined;
        for (const window of dayWindows(filters.from, filters.to, start)) {
          rows.push(...(await select(scope, filters, window, after, want - rows.length)));
          if (rows.length >= want) break;
        }
      }
      const items = rows.slice(0, limit);
      const last = items.at(-1);
      return {
        items,
        nextCursor: rows.length > limit && last ? encodeCursor({ t: last.occurredAt, id: last.id }) : null,
        rawEventsSince: filters.rawEventsSince.toISOString(),
      };
    },

    exportVisits(scope, query) {
      const filters = resolveVisitFilters(query, deps.clock(), deps.retentionDays);
      if (exportsInFlight >= EXPORTS_IN_FLIGHT) {
        throw new AppError(
          'rate_limited',
          'too many visit exports at once on this server; try again shortly',
          {
            'retry-after': '5',
          },
        );
      }
      exportsInFlight += 1;
      let released = false;
      const done = () => {
        if (released) return;
        released = true;
        exportsInFlight -= 1;
      };
      return { rawEventsSince: filters.rawEventsSince, batches: batches(scope, filters, done), done };
    },
  };
}
