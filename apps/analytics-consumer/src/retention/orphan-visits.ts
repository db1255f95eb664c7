import type { Pool } from 'pg';

/** Rows deleted per statement: each delete holds its row locks and writes its WAL in bounded steps. */
const CHUNK = 10_000;

export interface OrphanVisitPruning {
  /** orphan_visits rows of minutes before the retention, deleted by this run. */
  visits: number;
  /** Ledger entries of batches counted before the retention, deleted by this run. */
  batches: number;
}

async function deleteInChunks(pool: Pool, statement: string, keptFrom: Date): Promise<number> {
  let deleted = 0;
  for (;;) {
    const result = await pool.query(statement, [keptFrom, CHUNK]);
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < CHUNK) return deleted;
  }
}

/**
 * Orphan visits follow the raw click events' retention (CLICK_EVENT_RETENTION_DAYS): the minutes before
 * `keptFrom` are deleted, and so are the ledger entries of batches counted before it. A batch counted then
 * holds no minute after it, so one re-queued after its entry went adds only rows this job deletes again.
 * Idempotent; replicas running it at once delete each row once (a row already gone is skipped).
 */
export async function pruneOrphanVisits(pool: Pool, keptFrom: Date): Promise<OrphanVisitPruning> {
  const visits = await deleteInChunks(
    pool,
    `DELETE FROM orphan_visits WHERE id IN (
       SELECT id FROM orphan_visits WHERE minute < $1 ORDER BY minute LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    keptFrom,
  );
  const batches = await deleteInChunks(
    pool,
    `DELETE FROM orphan_visit_batches WHERE batch_id IN (
       SELECT batch_id FROM orphan_visit_batches WHERE counted_at < $1 ORDER BY counted_at LIMIT $2
       FOR UPDATE SKIP LOCKED)`,
    keptFrom,
  );
  return { visits, batches };
}
