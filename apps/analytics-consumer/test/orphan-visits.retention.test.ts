import { randomUUID } from 'node:crypto';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { JOB_NAMES, type OrphanVisitBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { describe, expect } from 'vitest';
import { ingestOrphanVisits } from '../src/ingest/ingest-orphan-visits.ts';
import { createConsumerMetrics } from '../src/metrics.ts';
import { pruneOrphanVisits } from '../src/retention/orphan-visits.ts';
import { createMaintenanceWorker, type MaintenanceOutcome } from '../src/workers/maintenance-worker.ts';
import { silentLogger, waitFor } from './helpers.ts';
import { test } from './support/consumer.ts';

const DAY = 86_400_000;

/** One batch of `count` visits to `path` on `domain` in the UTC minute of `at`. */
function batchAt(domain: string, path: string, at: number, count = 1): OrphanVisitBatch {
  return {
    v: 1,
    batchId: randomUUID(),
    visits: [
      {
        domain,
        path,
        kind: 'not-found',
        minute: Math.floor(at / 60_000) * 60_000,
        referrerHost: null,
        country: null,
        isBot: false,
        count,
      },
    ],
    overflow: [],
  };
}

async function visitsOf(pool: Pool, domain: string) {
  const result = await pool.query<{ path: string; visits: number }>(
    'SELECT path, visits::int AS visits FROM orphan_visits WHERE domain = $1 ORDER BY minute',
    [domain],
  );
  return result.rows;
}

/** Marks a batch as counted at `at`, as the ledger would have when it was ingested then. */
async function countedAt(pool: Pool, batchId: string, at: number) {
  await pool.query('UPDATE orphan_visit_batches SET counted_at = $2 WHERE batch_id = $1', [
    batchId,
    new Date(at),
  ]);
}

describe('orphan visits retention (real Postgres)', () => {
  test('minutes before the retention are deleted with their ledger entries; the kept ones stay untouched', async ({
    database,
  }) => {
    const domain = `old-${randomUUID().slice(0, 8)}.example`;
    const keptFrom = Date.UTC(2030, 0, 1);
    const old = batchAt(domain, '/old', keptFrom - DAY, 4);
    const edge = batchAt(domain, '/last-minute-before', keptFrom - 60_000, 2);
    const kept = batchAt(domain, '/kept', keptFrom, 5);
    for (const batch of [old, edge, kept]) await ingestOrphanVisits(database.pool, batch);
    await countedAt(database.pool, old.batchId, keptFrom - DAY + 5_000);
    await countedAt(database.pool, edge.batchId, keptFrom - 55_000);
    await countedAt(database.pool, kept.batchId, keptFrom + 5_000);

    const pruned = await pruneOrphanVisits(database.pool, new Date(keptFrom));

    expect(await visitsOf(database.pool, domain)).toEqual([{ path: '/kept', visits: 5 }]);
    expect(pruned.visits).toBeGreaterThanOrEqual(2);
    const ledger = await database.pool.query<{ id: string }>(
      'SELECT batch_id AS id FROM orphan_visit_batches WHERE batch_id = ANY($1::uuid[])',
      [[old.batchId, edge.batchId, kept.batchId]],
    );
    expect(ledger.rows.map((row) => row.id)).toEqual([kept.batchId]);

    // A kept batch delivered again is still recognised: nothing is added twice.
    expect(await ingestOrphanVisits(database.pool, kept)).toMatchObject({ counted: false });
    expect(await visitsOf(database.pool, domain)).toEqual([{ path: '/kept', visits: 5 }]);
    // Running again finds nothing more to delete.
    expect(await pruneOrphanVisits(database.pool, new Date(keptFrom))).toEqual({ visits: 0, batches: 0 });
  });

  test('deletes more rows than one chunk holds, in chunks, down to the last', async ({ database }) => {
    const domain = `many-${randomUUID().slice(0, 8)}.example`;
    const keptFrom = Date.UTC(2031, 0, 1);
    // 25,000 distinct old minutes, inserted directly: ingestion would take one batch per minute.
    await database.pool.query(
      `INSERT INTO orphan_visits (domain, path, kind, minute, referrer_host, country, is_bot, visits)
       SELECT $1, '/p', 'not-found', $2::timestamptz - make_interval(mins => g), NULL, NULL, false, 1
       FROM generate_series(1, 25000) AS g`,
      [domain, new Date(keptFrom)],
    );
    await ingestOrphanVisits(database.pool, batchAt(domain, '/kept', keptFrom + 60_000));

    const pruned = await pruneOrphanVisits(database.pool, new Date(keptFrom));

    expect(pruned.visits).toBeGreaterThanOrEqual(25_000);
    expect(await visitsOf(database.pool, domain)).toEqual([{ path: '/kept', visits: 1 }]);
  });

  test('the hourly maintenance job deletes the orphan visits past CLICK_EVENT_RETENTION_DAYS', async ({
    database,
    workerPool,
    queueRedis,
    prefix: filePrefix,
  }) => {
    const domain = `job-${randomUUID().slice(0, 8)}.example`;
    const now = Date.UTC(2036, 5, 20, 9, 30);
    // 30 days kept: from 2036-05-21T00:00Z on.
    await ingestOrphanVisits(database.pool, batchAt(domain, '/gone', Date.UTC(2036, 4, 20, 23, 59), 7));
    await ingestOrphanVisits(database.pool, batchAt(domain, '/stays', Date.UTC(2036, 4, 21, 0, 0), 3));
    const prefix = `{${filePrefix}-orphans}`;
    const queue = new Queue(QUEUE_NAMES.maintenance, { connection: queueRedis, prefix });
    const worker = createMaintenanceWorker(
      {
        pool: workerPool,
        metrics: createConsumerMetrics(createMetricsRegistry('test-maintenance', { defaultMetrics: false })),
        logger: silentLogger,
        retentionDays: 30,
        clock: () => new Date(now),
      },
      { connection: queueRedis, prefix, concurrency: 1 },
    );
    try {
      const job = await queue.add(JOB_NAMES.clickEventPartitions, { v: 1 }, { jobId: randomUUID() });
      const done = await waitFor(
        () => queue.getJob(job.id as string),
        (current) => current?.finishedOn !== undefined,
        30_000,
        'the maintenance job',
      );
      expect(done?.failedReason).toBeUndefined();
      const outcome = done?.returnvalue as MaintenanceOutcome;
      expect(outcome.orphanVisitsPruned.visits).toBeGreaterThanOrEqual(1);
      expect(await visitsOf(database.pool, domain)).toEqual([{ path: '/stays', visits: 3 }]);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
