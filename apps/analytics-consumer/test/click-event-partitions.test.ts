import { randomUUID } from 'node:crypto';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { JOB_NAMES, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import { describe, expect } from 'vitest';
import { rollUpCommitted } from '../src/ingest/dimension-rollup.ts';
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

/** A new link, and click_events' partitions from `day` on (a retention long enough to drop none yet). */
async function linkWithPartitionsFrom(pool: Pool, workerPool: Pool, day: string): Promise<string> {
  const [linkId] = await seedLinks(pool, 1);
  await maintainClickEventPartitions(workerPool, { now: new Date(`${day}T00:00:00Z`), retentionDays: 1000 });
  return linkId as string;
}

/** One click of `linkId` at each ISO moment. */
function clicksAt(linkId: string, moments: string[]) {
  return makeEvents([linkId], moments.length).map((event, i) => ({
    ...event,
    occurredAt: Date.parse(moments[i] as string),
  }));
}

/** A visitor's click of `linkId` at an ISO moment. */
function visit(linkId: string, moment: string, visitorHash: string, isBot = false) {
  return { ...clicksAt(linkId, [moment])[0], visitorHash, isBot } as ReturnType<typeof clicksAt>[number];
}

/** link_visitors_daily's rows of `linkId`: the visitors of days whose raw events have left the retention. */
async function foldedVisitors(pool: Pool, linkId: string) {
  const result = await pool.query<{ day: string; visitor: string; bot: boolean }>(
    `SELECT bucket::text AS day, visitor_hash AS visitor, is_bot AS bot FROM link_visitors_daily
     WHERE link_id = $1 ORDER BY 1, 2`,
    [linkId],
  );
  return result.rows;
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
    const link = await linkWithPartitionsFrom(database.pool, workerPool, '2032-03-01');
    // The last instant of the first day dropped, the first instant of the first day kept, and one after.
    await ingestClicks(
      workerPool,
      clicksAt(link, ['2032-03-01T23:59:59.999Z', '2032-03-02T00:00:00.000Z', '2032-03-05T12:00:00.000Z']),
    );
    await rollUpCommitted(workerPool);
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

  test("folds the visitors of the days it drops into link_visitors_daily, and no kept day's", async ({
    database,
    workerPool,
  }) => {
    const link = await linkWithPartitionsFrom(database.pool, workerPool, '2036-06-01');
    await ingestClicks(workerPool, [
      // 06-01, dropped: a visitor with a bot's click and a person's (a person), one with bots' clicks only, a
      // click without a visitor.
      visit(link, '2036-06-01T08:00:00.000Z', 'both', true),
      visit(link, '2036-06-01T09:00:00.000Z', 'both'),
      visit(link, '2036-06-01T10:00:00.000Z', 'crawler', true),
      visit(link, '2036-06-01T11:00:00.000Z', 'crawler', true),
      { ...visit(link, '2036-06-01T12:00:00.000Z', 'none'), visitorHash: null },
      // 06-03, kept: its visitors stay in the raw events alone.
      visit(link, '2036-06-03T08:00:00.000Z', 'later'),
    ]);
    // A day with no partition: caught by the default partition, and past the retention too.
    await ingestClicks(workerPool, [visit(link, '2036-05-20T08:00:00.000Z', 'stray')]);
    await rollUpCommitted(workerPool);

    const run = await maintainClickEventPartitions(workerPool, {
      now: new Date('2036-06-12T09:30:00Z'),
      retentionDays: 10,
    });

    expect(run.keptFrom.toISOString()).toBe('2036-06-02T00:00:00.000Z');
    expect(run.dropped).toContain('click_events_p20360601');
    expect(await foldedVisitors(database.pool, link)).toEqual([
      { day: '2036-05-20', visitor: 'stray', bot: false },
      { day: '2036-06-01', visitor: 'both', bot: false },
      { day: '2036-06-01', visitor: 'crawler', bot: true },
    ]);
    expect((await placedEvents(database.pool, link)).map((row) => row.at)).toEqual([
      '2036-06-03T08:00:00.000',
    ]);

    // Folding is done once: a second run finds nothing to drop and leaves the rows as they are.
    const again = await maintainClickEventPartitions(workerPool, {
      now: new Date('2036-06-12T10:30:00Z'),
      retentionDays: 10,
    });
    expect(again.dropped).toEqual([]);
    expect(await foldedVisitors(database.pool, link)).toHaveLength(3);
  });

  test('keeps a day whose clicks the dimension roll-up has not read yet, and drops it on the run after it has', async ({
    database,
    workerPool,
  }) => {
    const link = await linkWithPartitionsFrom(database.pool, workerPool, '2037-02-01');
    await rollUpCommitted(workerPool);
    // A late click of a day about to leave the retention, not rolled up yet.
    await ingestClicks(workerPool, [visit(link, '2037-02-01T10:00:00.000Z', 'late')]);

    const waiting = await maintainClickEventPartitions(workerPool, {
      now: new Date('2037-02-12T09:30:00Z'),
      retentionDays: 10,
    });
    expect(waiting.dropped).not.toContain('click_events_p20370201');
    expect(await placedEvents(database.pool, link)).toEqual([
      { partition: 'click_events_p20370201', at: '2037-02-01T10:00:00.000' },
    ]);

    await rollUpCommitted(workerPool);
    const breakdown = await database.pool.query(
      'SELECT bucket::text AS day, clicks::int FROM link_agents_daily WHERE link_id = $1',
      [link],
    );
    expect(breakdown.rows).toEqual([{ day: '2037-02-01', clicks: 1 }]);
    const next = await maintainClickEventPartitions(workerPool, {
      now: new Date('2037-02-12T10:30:00Z'),
      retentionDays: 10,
    });
    expect(next.dropped).toContain('click_events_p20370201');
    expect(await foldedVisitors(database.pool, link)).toEqual([
      { day: '2037-02-01', visitor: 'late', bot: false },
    ]);
  });

  test('finishes a day a stopped run detached: folds its visitors and drops it', async ({
    database,
    workerPool,
  }) => {
    const link = await linkWithPartitionsFrom(database.pool, workerPool, '2038-09-01');
    await ingestClicks(workerPool, [visit(link, '2038-09-01T10:00:00.000Z', 'reader')]);
    await rollUpCommitted(workerPool);
    // The first step of a run that stopped before the others.
    await database.pool.query("SELECT click_events_detach_partitions('2038-09-02')");
    expect(await partitions(database.pool)).not.toContain('click_events_p20380901');
    expect(await foldedVisitors(database.pool, link)).toEqual([]);

    const run = await maintainClickEventPartitions(workerPool, {
      now: new Date('2038-09-02T01:00:00Z'),
      retentionDays: 1000,
    });
    expect(run.dropped).toContain('click_events_p20380901');
    expect(await foldedVisitors(database.pool, link)).toEqual([
      { day: '2038-09-01', visitor: 'reader', bot: false },
    ]);
    const left = await database.pool.query("SELECT to_regclass('click_events_p20380901') AS name");
    expect(left.rows).toEqual([{ name: null }]);
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
