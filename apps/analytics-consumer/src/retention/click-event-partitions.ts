import { rawEventsKeptFrom, utcDay } from '@boltlink/db/queries/click-event-retention';
import type { Pool, QueryResultRow } from 'pg';

/**
 * Days of partitions that exist ahead of today. Ingestion writes into the partition of each event's day; with
 * a week made ahead, the job (hourly) can fail for a week before a click lands in the default partition, and
 * even then nothing fails (see migration 0011).
 */
export const PARTITION_DAYS_AHEAD = 7;

/**
 * How long the job waits for a lock on click_events or its default partition before giving up until its next
 * run. Attaching and dropping a partition queue behind running queries; without a bound, ingestion would then
 * queue behind the job.
 */
const LOCK_TIMEOUT_MS = 5_000;

export interface PartitionMaintenance {
  /** Partitions created by this run (click_events_pYYYYMMDD), oldest first. */
  created: string[];
  /** Partitions dropped by this run, past the retention (their visitors folded into link_visitors_daily first). */
  dropped: string[];
  /** The first moment whose raw events are kept from now on. */
  keptFrom: Date;
}

/**
 * Creates click_events' day partitions from today to PARTITION_DAYS_AHEAD days ahead, gives a partition to
 * every day within the retention whose events the default partition caught, and drops the days before the
 * retention after folding their visitors into link_visitors_daily. Idempotent and safe to run from several
 * consumers at once: each step is one call of a function of migrations 0011 and 0018, serialised by an advisory
 * lock, which does nothing when its work is done.
 */
export async function maintainClickEventPartitions(
  pool: Pool,
  options: { now: Date; retentionDays: number; daysAhead?: number },
): Promise<PartitionMaintenance> {
  const keptFrom = rawEventsKeptFrom(options.now, options.retentionDays);
  const daysAhead = options.daysAhead ?? PARTITION_DAYS_AHEAD;
  const client = await pool.connect();
  let broken = false;
  // Each step is a transaction of its own with its lock timeout set for that transaction only (SET LOCAL): a
  // session setting would outlive the step on a pooled server connection (PgBouncer in transaction pooling).
  const step = async <T extends QueryResultRow>(text: string, values: unknown[]): Promise<T[]> => {
    await client.query('BEGIN');
    try {
      await client.query(`SET LOCAL lock_timeout = ${LOCK_TIMEOUT_MS}`);
      const result = await client.query<T>(text, values);
      await client.query('COMMIT');
      return result.rows;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw error;
    }
  };
  try {
    const strays = await client.query<{ day: string }>(
      `SELECT DISTINCT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day
       FROM click_events_default WHERE occurred_at >= $1 ORDER BY 1`,
      [keptFrom],
    );
    const days = new Set(strays.rows.map((row) => row.day));
    for (let ahead = 0; ahead <= daysAhead; ahead += 1) days.add(utcDay(options.now, ahead));

    const created: string[] = [];
    // One transaction per day: a partition's locks are held only while it is made.
    for (const day of [...days].sort()) {
      const [made] = await step<{ created: boolean }>(
        'SELECT click_events_create_partition($1::date) AS created',
        [day],
      );
      if (made?.created) created.push(`click_events_p${day.replaceAll('-', '')}`);
    }
    // Days past the retention leave in steps of their own (migration 0018): detached (click_events' lock is held
    // only for that), the default partition's old events folded and deleted, then each detached day's visitors
    // folded into link_visitors_daily and the day dropped. Detached days a stopped run left are taken here too.
    await step('SELECT click_events_detach_partitions($1::date)', [utcDay(keptFrom)]);
    await step('SELECT click_events_fold_default($1::date)', [utcDay(keptFrom)]);
    const detached = await step<{ name: string }>(
      'SELECT name FROM click_events_detached_days ORDER BY name',
      [],
    );
    const dropped: string[] = [];
    for (const { name } of detached) {
      const [done] = await step<{ dropped: boolean }>('SELECT click_events_fold_and_drop($1) AS dropped', [
        name,
      ]);
      if (done?.dropped) dropped.push(name);
    }
    return { created, dropped, keptFrom };
  } finally {
    client.release(broken ? true : undefined);
  }
}
