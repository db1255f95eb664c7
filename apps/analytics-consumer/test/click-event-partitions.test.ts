import { randomUUID } from 'node:crypto';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { JOB_NAMES, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { describe, expect } from 'vitest';
import { ingestClicks } from '../src/ingest/ingest-clicks.ts';
import { createConsumerMetrics } from '../src/metrics.ts';
import { maintainClickEventPartitions } from '../src/retention/click-event-partitions.ts';
import { createMaintenanceWorker, scheduleClickEventPartitions } from '../src/workers/maintenance-worker.ts';
import { makeEvents, seedLinks, silentLogger, waitFor } from './helpers.ts';
import { test } from './support/consumer.ts';

// Each test works in a year of its own, so the partitions one test makes and drops are not another's.

/** click_events' partitions, by name. */
async function partitions(pool: Pool): Promise<string[]> {
  const result = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'click_events'::regclass ORDER BY 1`,
  );
  return result.rows.map((row) => row.name);
}

/** Where each stored event of `linkId` is: its partition and occurred_at, oldest first. */
async function placedEvents(pool: Pool, linkId: string) {
  const result = await pool.query<{ partition: string; at: string }>(
    `SELECT tableoid::regclass::text AS partition, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS at
     FROM click_events WHERE link_id = $1 ORDER BY occurred_at`,
    [linkId],
  );
  return result.rows;
}

async function dailyClicks(pool: Pool, linkId: string) {
  const result = await pool.query<{ day: string; clicks: number }>(
    `SELECT bucket::text AS day, clicks::int FROM link_clicks_daily WHERE link_id = $1 ORDER BY 1`,
    [linkId],
  );
  const total = await pool.query<{ n: number }>('SELECT click_count::int AS n FROM links WHERE id = $1', [
    linkId,
  ]);
  return { days: result.rows, total: total.rows[0]?.n };
}

/** One click of `linkId` at each ISO moment. */
function clicksAt(linkId: string, moments: string[]) {
  return makeEvents([linkId], moments.length).map((event, i) => ({
    ...event,
    occurredAt: Date.parse(moments[i] as string),
  }));
}

describe('click_events partitions (real Postgres)', () => {
  test("creates today's partition and a week ahead, once, however many consumers run the job at once", async ({
    database,
    workerPool,
  }) => {
    const now = new Date('2031-03-10T15:00:00Z');
    const runs = await Promise.all([
      maintainClickEventPartitions(workerPool, { now, retentionDays: 90 }),
      maintainClickEventPartitions(database.pool, { now, retentionDays: 90 }),
    ]);

    const expected = Array.from({ length: 8 }, (_, i) => `click_events_p203103${String(10 + i)}`);
    expect(runs.flatMap((run) => run.created).sort()).toEqual(expected);
    expect(await partitions(database.pool)).toEqual(expect.arrayContaining(expected));
    expect(runs[0]?.keptFrom.toISOString()).toBe('2030-12-10T00:00:00.000Z');

    const again = await maintainClickEventPartitions(workerPool, { now, retentionDays: 90 });
    expect(again.created).toEqual([]);
    expect(again.dropped).toEqual([]);
  });

  test('drops the days before the retention, keeps the first day it covers whole, and keeps every count', async ({
    database,
    workerPool,
  }) => {
    const [linkId] = await seedLinks(database.pool, 1);
    const link = linkId as string;
    await maintainClickEventPartitions(workerPool, {
      now: new Date('2032-03-01T00:00:00Z'),
      retentionDays: 1000,
    });
    // The last instant of the first day dropped, the first instant of the first day kept, and one after.
    await ingestClicks(
      workerPool,
      clicksAt(link, ['2032-03-01T23:59:59.999Z', '2032-03-02T00:00:00.000Z', '2032-03-05T12:00:00.000Z']),
    );
    const countsBefore = await dailyClicks(database.pool, link);

    // Ten days of retention on 2032-03-12: raw events since 2032-03-02T00:00Z are kept.
    const run = await maintainClickEventPartitions(workerPool, {
      now: new Date('2032-03-12T09:30:00Z'),
      retentionDays: 10,
    });

    expect(run.keptFrom.toISOString()).toBe('2032-03-02T00:00:00.000Z');
    expect(run.dropped).toContain('click_events_p20320301');
    expect(run.dropped).not.toContain('click_events_p20320302');
    expect(await placedEvents(database.pool, link)).toEqual([
      { partition: 'click_events_p20320302', at: '2032-03-02T00:00:00.000' },
      { partition: 'click_events_p20320305', at: '2032-03-05T12:00:00.000' },
    ]);
    const remaining = await partitions(database.pool);
    expect(
      remaining.filter((name) => name < 'click_events_p20320302' && name !== 'click_events_default'),
    ).toEqual([]);
    // Roll-ups and the link's total outlive the raw events.
    expect(countsBefore.total).toBe(3);
    expect(await dailyClicks(database.pool, link)).toEqual(countsBefore);
  });

  test('ingests a click of a day without a partition into the default partition, and moves it when its day gets one', async ({
    database,
    workerPool,
  }) => {
    const [linkId] = await seedLinks(database.pool, 1);
    const link = linkId as string;
    // No partition exists in 2033: ingestion must not fail for it.
    // One with an A/B variant: the column (added to the partitioned parent, migration 0015) moves with it.
    const batch = clicksAt(link, ['2033-05-05T08:00:00.000Z', '2033-04-20T10:00:00.000Z']).map((click, i) =>
      i === 0 ? { ...click, variant: 'b' } : click,
    );
    expect(await ingestClicks(workerPool, batch)).toMatchObject({ inserted: 2, duplicates: 0 });
    expect((await placedEvents(database.pool, link)).map((row) => row.partition)).toEqual([
      'click_events_default',
      'click_events_default',
    ]);

    // On 2033-05-01 the job makes 05-01..05-08, which takes 05-05, and a partition for 04-20, a day within
    // the retention that the default partition caught.
    const run = await maintainClickEventPartitions(workerPool, {
      now: new Date('2033-05-01T00:10:00Z'),
      retentionDays: 30,
    });
    expect(run.created).toContain('click_events_p20330420');
    expect(run.created).toContain('click_events_p20330505');
    expect(await placedEvents(database.pool, link)).toEqual([
      { partition: 'click_events_p20330420', at: '2033-04-20T10:00:00.000' },
      { partition: 'click_events_p20330505', at: '2033-05-05T08:00:00.000' },
    ]);

    const moved = await database.pool.query('SELECT variant FROM click_events_p20330505 WHERE link_id = $1', [
      link,
    ]);
    expect(moved.rows).toEqual([{ variant: 'b' }]);

    // The moved events are still recognised: a redelivered batch adds nothing anywhere.
    expect(await ingestClicks(workerPool, batch)).toMatchObject({ inserted: 0, duplicates: 2 });
    expect(await dailyClicks(database.pool, link)).toEqual({
      days: [
        { day: '2033-04-20', clicks: 1 },
        { day: '2033-05-05', clicks: 1 },
      ],
      total: 2,
    });
  });

  test('ingests a batch that spans midnight into both days’ partitions', async ({ database, workerPool }) => {
    const [linkId] = await seedLinks(database.pool, 1);
    const link = linkId as string;
    await maintainClickEventPartitions(workerPool, {
      now: new Date('2034-07-31T22:00:00Z'),
      retentionDays: 30,
    });
    await ingestClicks(workerPool, clicksAt(link, ['2034-07-31T23:59:59.950Z', '2034-08-01T00:00:00.020Z']));
    expect((await placedEvents(database.pool, link)).map((row) => row.partition)).toEqual([
      'click_events_p20340731',
      'click_events_p20340801',
    ]);
  });

  test('runs on the schedule every consumer registers: one schedule, one job per interval, partitions made', async ({
    database,
    workerPool,
    queueRedis,
    prefix: filePrefix,
  }) => {
    const prefix = `{${filePrefix}}`;
    const queues = [0, 1].map(() => new Queue(QUEUE_NAMES.maintenance, { connection: queueRedis, prefix }));
    const worker = createMaintenanceWorker(
      {
        pool: workerPool,
        metrics: createConsumerMetrics(createMetricsRegistry('test-maintenance', { defaultMetrics: false })),
        logger: silentLogger,
        retentionDays: 30,
        clock: () => new Date('2035-01-15T06:00:00Z'),
      },
      { connection: queueRedis, prefix, concurrency: 1 },
    );
    try {
      // Two replicas starting at once register the same schedule.
      await Promise.all(queues.map((queue) => scheduleClickEventPartitions(queue)));
      const [queue] = queues as [Queue];
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => ({ id: s.key, every: s.every }))).toEqual([
        { id: JOB_NAMES.clickEventPartitions, every: 3_600_000 },
      ]);

      await waitFor(
        () => queue.getJobCounts('completed', 'failed'),
        (counts) => (counts.completed ?? 0) + (counts.failed ?? 0) >= 1,
        30_000,
        'the first scheduled run',
      );
      expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 1, failed: 0 });
      expect(await partitions(database.pool)).toEqual(
        expect.arrayContaining(['click_events_p20350115', 'click_events_p20350122']),
      );
    } finally {
      await worker.close();
      for (const queue of queues) {
        await queue.removeJobScheduler(JOB_NAMES.clickEventPartitions);
        await queue.close();
      }
    }
  });

  test('the partition job refuses a payload it does not know at once, without retries', async ({
    workerPool,
    queueRedis,
    prefix: filePrefix,
  }) => {
    const prefix = `{${filePrefix}-bad}`;
    const queue = new Queue(QUEUE_NAMES.maintenance, { connection: queueRedis, prefix });
    const worker = createMaintenanceWorker(
      {
        pool: workerPool,
        metrics: createConsumerMetrics(createMetricsRegistry('test-maintenance', { defaultMetrics: false })),
        logger: silentLogger,
        retentionDays: 30,
      },
      { connection: queueRedis, prefix, concurrency: 1 },
    );
    try {
      const job = await queue.add(
        JOB_NAMES.clickEventPartitions,
        { v: 7 },
        { attempts: 5, jobId: randomUUID() },
      );
      const failed = await waitFor(
        () => queue.getJob(job.id as string),
        (current) => current?.finishedOn !== undefined,
        30_000,
        'the refused job',
      );
      expect(failed?.attemptsMade).toBe(1);
      expect(failed?.failedReason).toMatch(/unknown payload version 7/);
    } finally {
      await worker.close();
      await queue.close();
    }
  });
});
