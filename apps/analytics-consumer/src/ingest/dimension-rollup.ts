import type { Pool } from 'pg';
import { startPeriodicTask } from '../periodic-task.ts';
import { ADD_COUNTS, DIMENSION_VALUE_MAX, DIRECT_REFERRER, UNKNOWN_COUNTRY } from './ingest-clicks.ts';

/**
 * Where the roll-up stands: the events of every transaction below `nextXid` are in the dimension tables. Read
 * together with the bound of this run (the oldest transaction still running), in one statement.
 */
export const PROGRESS_SQL = `
  SELECT next_xid::text AS next_xid, pg_snapshot_xmin(pg_current_snapshot())::text AS finished_below
  FROM click_rollup_progress WHERE id = 1`;

// One run is one statement inside the run's transaction. It reads the events whose ingesting transaction id is
// in [$1, $2): transactions below $2, the oldest one still running when the run began, have all finished, so
// their events are visible here if they committed, and no transaction can add any more of them. The BRIN index
// on ingest_xid finds them at the end of each day partition (events are appended in ingestion order); late
// events sit in older partitions and are found the same way.
//
// The links of those events are key-share locked first, as ingestion locks them: a link deleted meanwhile is
// skipped (its events are gone with it), a delete that comes after waits and then removes what this run wrote.
// Every upsert is grouped and sorted by its key, as ingestion's, so the two lock shared rows in the same order.
//
// A link's unique visitors are not rolled up here: the statistics count them from the raw events while those are
// kept, and link_visitors_daily gets a day's visitors when the day leaves the retention (migration 0018).
//
// Country and referrer are one row each in link_dimensions_daily, and so is the A/B variant of a click that has
// one (a click without a split adds no variant row); device, browser and OS one row together in
// link_agents_daily (their combination). Dimension values are capped to the 255 characters the tables allow; a
// click without a country or referrer counts as 'unknown' and '(direct)', which no real value can be (countries
// are two capital letters, hosts have no parentheses). The clicks are grouped once per link (link_values,
// link_agents); the account's dimension rows are sums of those groups, not a second pass over every click. They
// go to shard 0: one run at a time writes them (the advisory lock).
export const ROLLUP_SQL = `
  WITH events AS MATERIALIZED (
    SELECT link_id, (occurred_at AT TIME ZONE 'UTC')::date AS day, referrer_host, country::text AS country,
      device, browser, os, is_bot, variant
    FROM click_events WHERE ingest_xid >= $1::bigint AND ingest_xid < $2::bigint
  ), locked AS (
    SELECT l.id, l.workspace_id AS user_id FROM links l
    WHERE l.id IN (SELECT DISTINCT link_id FROM events) ORDER BY l.id FOR KEY SHARE
  ), stored AS (
    SELECT e.*, k.user_id FROM events e JOIN locked k ON k.id = e.link_id
  ), link_values AS MATERIALIZED (
    SELECT s.link_id, s.user_id, s.day, d.dimension, d.value, count(*) AS clicks,
      count(*) FILTER (WHERE s.is_bot) AS bot_clicks
    FROM stored s CROSS JOIN LATERAL (VALUES
      ('country', coalesce(s.country, '${UNKNOWN_COUNTRY}')),
      ('referrer', left(coalesce(s.referrer_host, '${DIRECT_REFERRER}'), ${DIMENSION_VALUE_MAX})),
      ('variant', s.variant)) AS d(dimension, value)
    WHERE d.value IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
  ), link_agents AS MATERIALIZED (
    SELECT link_id, user_id, day, left(device, ${DIMENSION_VALUE_MAX}) AS device,
      left(browser, ${DIMENSION_VALUE_MAX}) AS browser, left(os, ${DIMENSION_VALUE_MAX}) AS os, count(*) AS clicks,
      count(*) FILTER (WHERE is_bot) AS bot_clicks
    FROM stored GROUP BY 1, 2, 3, 4, 5, 6
  ), dimensions AS (
    INSERT INTO link_dimensions_daily AS t (link_id, bucket, dimension, value, clicks, bot_clicks)
    SELECT link_id, day, dimension, value, clicks, bot_clicks FROM link_values ORDER BY 1, 2, 3, 4
    ON CONFLICT (link_id, bucket, dimension, value) DO UPDATE
      ${ADD_COUNTS}
  ), agents AS (
    INSERT INTO link_agents_daily AS t (link_id, bucket, device, browser, os, clicks, bot_clicks)
    SELECT link_id, day, device, browser, os, clicks, bot_clicks FROM link_agents ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (link_id, bucket, device, browser, os) DO UPDATE
      ${ADD_COUNTS}
  ), account_dimensions AS (
    INSERT INTO account_dimensions_daily AS t (user_id, bucket, dimension, value, shard, clicks, bot_clicks)
    SELECT user_id, day, dimension, value, 0, sum(clicks), sum(bot_clicks) FROM (
      SELECT user_id, day, dimension, value, clicks, bot_clicks FROM link_values WHERE dimension <> 'variant'
      UNION ALL
      SELECT a.user_id, a.day, d.dimension, d.value, a.clicks, a.bot_clicks
      FROM link_agents a CROSS JOIN LATERAL (VALUES ('device', a.device), ('browser', a.browser), ('os', a.os))
        AS d(dimension, value)
    ) AS v
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (user_id, bucket, dimension, value, shard) DO UPDATE
      ${ADD_COUNTS}
  ), advanced AS (
    UPDATE click_rollup_progress SET next_xid = $2::bigint, rolled_up_at = now() WHERE id = 1
  )
  SELECT count(*)::int AS events FROM events`;

/** The advisory lock of the roll-up (any number naming it); runs of every consumer replica take it. */
export const ROLLUP_LOCK = 0x426c_5244;

/**
 * The most transaction ids one run reads the events of (click ingestion takes one per transaction: at 12,000
 * clicks/s, two lanes commit a few dozen a second). After a long stop of the roll-up, its backlog is folded in
 * runs of this size, each a transaction of its own, instead of one transaction that holds the whole backlog.
 */
export const ROLLUP_MAX_TRANSACTIONS = 2000n;

export type RollupRun =
  /** Another consumer is running one: this run did nothing (its events wait for that run or the next). */
  | { ran: false }
  /**
   * Events of finished transactions folded into the dimension tables (0 when none had finished); every
   * transaction below `nextXid` is rolled up. `caughtUp`: no finished transaction was left for the next run.
   */
  | { ran: true; events: number; nextXid: bigint; caughtUp: boolean };

/**
 * Folds the events of ingestion transactions that finished since the last run into the dimension roll-ups
 * (ADR 0018), in one transaction that also moves click_rollup_progress: a run that fails or is interrupted
 * writes nothing and the next one takes the same events, so each event is counted once. One run at a time
 * across every consumer (a transaction-scoped advisory lock): a run that finds it held returns at once. A run
 * reads at most `maxTransactions` transaction ids' events (ROLLUP_MAX_TRANSACTIONS).
 */
export async function rollUpDimensions(
  pool: Pool,
  { maxTransactions = ROLLUP_MAX_TRANSACTIONS }: { maxTransactions?: bigint } = {},
): Promise<RollupRun> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
      ROLLUP_LOCK,
    ]);
    if (lock.rows[0]?.locked !== true) {
      await client.query('ROLLBACK');
      return { ran: false };
    }
    const progress = await client.query<{ next_xid: string; finished_below: string }>(PROGRESS_SQL);
    const row = progress.rows[0];
    if (row === undefined) throw new Error('click_rollup_progress has no row: are the migrations applied?');
    let events = 0;
    // xid8 values travel as text: they are 64-bit.
    const finishedBelow = BigInt(row.finished_below);
    const nextXid = BigInt(row.next_xid);
    const bound = finishedBelow - nextXid > maxTransactions ? nextXid + maxTransactions : finishedBelow;
    if (bound > nextXid) {
      const result = await client.query<{ events: number }>(ROLLUP_SQL, [row.next_xid, bound.toString()]);
      events = result.rows[0]?.events ?? 0;
    }
    await client.query('COMMIT');
    return {
      ran: true,
      events,
      nextXid: bound > nextXid ? bound : nextXid,
      caughtUp: bound === finishedBelow,
    };
  } catch (error) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A connection whose transaction failed mid-way is not trusted again.
    client.release(failed);
  }
}

/**
 * Runs the roll-up until it has passed every transaction that committed before this call: the oldest
 * transaction still running anywhere in the Postgres cluster bounds each run, so this waits for those that
 * are older than the call to finish. For tests, benches and tools that must read the breakdowns of clicks they
 * know are stored; the consumer itself only runs on its interval. Throws after `timeoutMs`.
 */
export async function rollUpCommitted(pool: Pool, timeoutMs = 30_000): Promise<number> {
  // A transaction of its own, committed at once: its id is above every transaction committed before the call.
  const mark = await pool.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  const target = BigInt(mark.rows[0]?.xid ?? '0');
  const deadline = Date.now() + timeoutMs;
  let events = 0;
  for (;;) {
    const run = await rollUpDimensions(pool);
    if (run.ran) {
      events += run.events;
      if (run.nextXid > target) return events;
    }
    if (Date.now() > deadline) throw new Error(`the dimension roll-up did not pass transaction ${target}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface DimensionRollupOptions {
  pool: Pool;
  /** Time between the end of a run and the start of the next (CLICK_ROLLUP_INTERVAL_MS). */
  intervalMs: number;
  logger: { warn(obj: object, msg: string): void };
  /** Called after each run (metrics): 'done' with the events it folded, 'busy' or 'failed' with none. */
  onRun?: (outcome: 'done' | 'busy' | 'failed', events: number) => void;
}

/**
 * The dimension roll-up on a timer, in every consumer replica (the advisory lock makes one run at a time). A
 * failed run (Postgres down) is logged and the next interval tries again: the events wait in click_events.
 * `close()` stops the timer after the run in flight. After a long stop (roll-ups failing while ingestion went
 * on) the first turn that succeeds folds the backlog run after run, each a transaction of ROLLUP_MAX_TRANSACTIONS
 * at most, until it has caught up.
 */
export function startDimensionRollup({ pool, intervalMs, logger, onRun }: DimensionRollupOptions): {
  close(): Promise<void>;
} {
  let failing = false;
  return startPeriodicTask({
    intervalMs,
    run: async (closing) => {
      for (;;) {
        let run: RollupRun;
        try {
          run = await rollUpDimensions(pool);
        } catch (error) {
          onRun?.('failed', 0);
          throw error;
        }
        failing = false;
        if (!run.ran) {
          onRun?.('busy', 0);
          return;
        }
        onRun?.('done', run.events);
        if (run.caughtUp || closing()) return;
      }
    },
    onError: (error) => {
      // Said once per outage, not at every interval.
      if (!failing) logger.warn({ err: error }, 'click dimension roll-up failed; retrying at each interval');
      failing = true;
    },
  });
}
