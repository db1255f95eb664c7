import { randomUUID } from 'node:crypto';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { encodeClickBatchV2, JOB_NAMES, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueProducer, type QueueProducer } from '@boltlink/queues/producer';
import { createQueueRedis, type RedisClient } from '@boltlink/redis-keys/clients';
import { createRedisKeys, type RedisKeys } from '@boltlink/redis-keys/keys';
import type { Queue, Worker } from 'bullmq';
import type { Pool } from 'pg';
import { describe, expect } from 'vitest';
import { createCoalescingIngestor } from '../src/ingest/coalescing-ingestor.ts';
import {
  ROLLUP_LOCK,
  rollUpCommitted,
  rollUpDimensions,
  startDimensionRollup,
} from '../src/ingest/dimension-rollup.ts';
import { createRedisVisitorSketches } from '../src/ingest/visitor-sketches.ts';
import { type ConsumerMetrics, createConsumerMetrics } from '../src/metrics.ts';
import { createClicksWorker } from '../src/workers/clicks-worker.ts';
import {
  batchOf,
  chunk,
  inspectQueue,
  makeEvents,
  rollupsVersusEvents,
  seedLinks,
  silentLogger,
  totals,
  waitForQueue,
} from './helpers.ts';
import { test as consumerTest } from './support/consumer.ts';

// Concurrency 4 with coalescing lanes: the worker gets more connections than the default.
const test = consumerTest.extend('workerPoolSize', { scope: 'file' }, 6);

let producerRedis: RedisClient;
let producer: QueueProducer;
let queue: Queue;
let worker: Worker;
let metrics: ConsumerMetrics;
let finished = 0;
let keys: RedisKeys;
/** The worker's pool: the dimension roll-up runs on it as in the consumer. */
let workerDatabase: Pool;

async function counter(name: keyof ConsumerMetrics, labels?: Record<string, string>) {
  const metric = await metrics[name].get();
  return metric.values
    .filter((v) => {
      const actual = v.labels as Record<string, string | number | undefined>;
      return !labels || Object.entries(labels).every(([k, x]) => actual[k] === x);
    })
    .reduce((sum, v) => sum + v.value, 0);
}

/**
 * Enqueues the batches, waits until the worker has taken them all, then brings the dimension roll-up past them
 * (the consumer runs it every CLICK_ROLLUP_INTERVAL_MS; this worker alone does not).
 */
async function run(batches: Parameters<QueueProducer['enqueueClickBatch']>[0][], { rollUp = true } = {}) {
  for (const batch of batches) await producer.enqueueClickBatch(batch);
  finished += batches.length;
  const counts = await waitForQueue(queue, finished);
  if (rollUp) await rollUpCommitted(workerDatabase);
  return counts;
}

/**
 * The breakdowns of some links, summed: what the stats' countries and agents lists add up to, and the visitor
 * rows (none: a link's visitors are counted from its raw events until their day leaves the retention).
 */
async function breakdownsOf(pool: Pool, links: readonly string[]) {
  const result = await pool.query<{ countries: number; agents: number; visitors: number; accountOs: number }>(
    `SELECT
       (SELECT coalesce(sum(clicks), 0)::int FROM link_dimensions_daily
        WHERE link_id = ANY($1::uuid[]) AND dimension = 'country') AS countries,
       (SELECT coalesce(sum(clicks), 0)::int FROM link_agents_daily WHERE link_id = ANY($1::uuid[])) AS agents,
       (SELECT count(*)::int FROM link_visitors_daily WHERE link_id = ANY($1::uuid[])) AS visitors,
       (SELECT coalesce(sum(clicks), 0)::int FROM account_dimensions_daily
        WHERE dimension = 'os' AND user_id IN (SELECT workspace_id FROM links WHERE id = ANY($1::uuid[])))
         AS "accountOs"`,
    [links],
  );
  return result.rows[0];
}

test.beforeAll(async ({ workerPool, queueRedis: workerRedis, redisUrl, prefix: filePrefix }) => {
  workerDatabase = workerPool;
  const prefix = `{${filePrefix}}`;
  producerRedis = createQueueRedis(redisUrl, 'producer');
  await producerRedis.ping().catch(() => undefined);
  producer = createQueueProducer({ connection: producerRedis, prefix });
  queue = inspectQueue(QUEUE_NAMES.clicks, workerRedis, prefix);
  metrics = createConsumerMetrics(createMetricsRegistry('test-consumer', { defaultMetrics: false }));
  // Concurrency 4: overlapping transactions on the same links and roll-up rows must neither deadlock nor lose updates.
  keys = createRedisKeys(filePrefix);
  worker = createClicksWorker(
    {
      pool: workerPool,
      metrics,
      logger: silentLogger,
      sketches: createRedisVisitorSketches(workerRedis, keys),
    },
    { connection: workerRedis, prefix, concurrency: 4 },
  );
  await worker.waitUntilReady();
});

test.afterAll(async () => {
  await worker?.close();
  await producer?.close();
  await queue?.close();
  producerRedis?.disconnect();
});

describe('clicks worker on real Postgres, Redis and BullMQ', () => {
  test('turns N events into exactly N stored clicks, roll-ups and link counts', async ({ database }) => {
    const links = await seedLinks(database.pool, 7);
    const events = makeEvents(links, 3000);
    const counts = await run(chunk(events, 250).map(batchOf));

    expect(counts.failed ?? 0).toBe(0);
    expect(await totals(database.pool)).toEqual({ events: 3000, hourly: 3000, daily: 3000, counted: 3000 });
    const compared = await rollupsVersusEvents(database.pool);
    for (const [table, { stored, expected }] of Object.entries(compared)) {
      expect(stored, table).toEqual(expected);
    }
    const dimensionTotal = await database.pool.query<{ dimension: string; clicks: number }>(
      'SELECT dimension, sum(clicks)::int AS clicks FROM link_dimensions_daily GROUP BY 1 ORDER BY 1',
    );
    expect(dimensionTotal.rows).toEqual(
      ['country', 'referrer'].map((dimension) => ({ dimension, clicks: 3000 })),
    );
    const agentTotal = await database.pool.query('SELECT sum(clicks)::int AS clicks FROM link_agents_daily');
    expect(agentTotal.rows[0].clicks).toBe(3000);
    const bots = events.filter((e) => e.isBot).length;
    const storedBots = await database.pool.query('SELECT sum(bot_clicks)::int AS n FROM link_clicks_daily');
    expect(storedBots.rows[0].n).toBe(bots);
    expect(await counter('clicksIngested')).toBe(3000);
  });

  test("stores each click's A/B variant and counts clicks per variant and day, a redelivered job once", async ({
    database,
  }) => {
    const [link] = await seedLinks(database.pool, 1);
    const variants = ['control', 'b', null];
    const events = makeEvents([link as string], 300).map((event, i) => ({
      ...event,
      variant: variants[i % 3],
    }));
    const { eventId: _first, ...withoutId } = events[0] as (typeof events)[number];
    const batch = encodeClickBatchV2(
      randomUUID(),
      events.map(({ eventId: _id, ...click }) => click),
    );
    expect(withoutId.variant).toBe('control');
    await run([batch]);
    // What an edge retrying after a lost acknowledgement sends: the same batch under another job id.
    await queue.add(JOB_NAMES.clickBatch, batch, { jobId: randomUUID() });
    finished += 1;
    await waitForQueue(queue, finished);

    const stored = await database.pool.query<{ variant: string | null; n: number }>(
      'SELECT variant, count(*)::int AS n FROM click_events WHERE link_id = $1 GROUP BY 1 ORDER BY 1',
      [link],
    );
    expect(stored.rows).toEqual([
      { variant: 'b', n: 100 },
      { variant: 'control', n: 100 },
      { variant: null, n: 100 },
    ]);
    // The roll-up equals what the raw events say, day by day, bots apart; a click without a variant adds none.
    const rollup = await database.pool.query(
      `SELECT bucket::text AS day, value, clicks::int, bot_clicks::int FROM link_dimensions_daily
       WHERE link_id = $1 AND dimension = 'variant' ORDER BY 1, 2`,
      [link],
    );
    const fromEvents = await database.pool.query(
      `SELECT (occurred_at AT TIME ZONE 'UTC')::date::text AS day, variant AS value, count(*)::int AS clicks,
         (count(*) FILTER (WHERE is_bot))::int AS bot_clicks
       FROM click_events WHERE link_id = $1 AND variant IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
      [link],
    );
    expect(rollup.rows).toEqual(fromEvents.rows);
    expect(rollup.rows.reduce((sum, row) => sum + row.clicks, 0)).toBe(200);
  });

  test('counts a job delivered twice once', async ({ database }) => {
    const [link] = await seedLinks(database.pool, 1);
    const batch = batchOf(makeEvents([link as string], 400));
    await run([batch]);
    const before = await totals(database.pool);
    const duplicatesBefore = await counter('clickDuplicatesSkipped');

    // Same payload again under another job id: what a redelivery after a lost acknowledgement looks like.
    await queue.add(JOB_NAMES.clickBatch, batch, { jobId: randomUUID() });
    finished += 1;
    await waitForQueue(queue, finished);

    expect(await totals(database.pool)).toEqual(before);
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
    expect(await counter('clickDuplicatesSkipped')).toBe(duplicatesBefore + 400);
    const row = await database.pool.query('SELECT click_count::int AS n FROM links WHERE id = $1', [link]);
    expect(row.rows[0].n).toBe(400);
  });

  test('counts clicks at once and adds them to the breakdowns at the next roll-up, once however often it runs', async ({
    database,
  }) => {
    const links = await seedLinks(database.pool, 3);
    const events = makeEvents(links, 300);
    await run(chunk(events, 100).map(batchOf), { rollUp: false });

    // Totals and timelines are written by the ingestion transaction itself.
    const counted = await database.pool.query<{ n: number }>(
      'SELECT sum(click_count)::int AS n FROM links WHERE id = ANY($1::uuid[])',
      [links],
    );
    expect(counted.rows[0]?.n).toBe(300);
    expect(await breakdownsOf(database.pool, links)).toEqual({
      countries: 0,
      agents: 0,
      visitors: 0,
      accountOs: 0,
    });

    await rollUpCommitted(workerDatabase);
    const rolledUp = { countries: 300, agents: 300, visitors: 0, accountOs: 300 };
    expect(await breakdownsOf(database.pool, links)).toEqual(rolledUp);
    await rollUpDimensions(workerDatabase);
    await rollUpDimensions(workerDatabase);
    expect(await breakdownsOf(database.pool, links)).toEqual(rolledUp);
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
  });

  test('brings the breakdowns up to date by itself on its interval, as the consumer runs it', async ({
    database,
  }) => {
    const links = await seedLinks(database.pool, 2);
    await run([batchOf(makeEvents(links, 40))], { rollUp: false });
    const outcomes: string[] = [];
    const rollup = startDimensionRollup({
      pool: workerDatabase,
      intervalMs: 50,
      logger: silentLogger,
      onRun: (outcome) => outcomes.push(outcome),
    });
    try {
      await expect
        .poll(async () => (await breakdownsOf(database.pool, links))?.countries, { timeout: 20_000 })
        .toBe(40);
    } finally {
      await rollup.close();
    }
    expect(outcomes).toContain('done');
    expect(outcomes).not.toContain('failed');
  });

  test('folds a backlog in runs of a bounded number of transactions, each its own, and counts every click once', async ({
    database,
  }) => {
    const links = await seedLinks(database.pool, 2);
    // Five ingestion transactions, one after another, that no roll-up has read.
    for (let i = 0; i < 5; i++) await run([batchOf(makeEvents(links, 30))], { rollUp: false });

    // Two transaction ids a run. Other tests' transactions take ids meanwhile (the ids are the Postgres cluster's),
    // so the runs go on until these clicks are in, not until a run finds nothing left.
    const runs = [];
    for (let i = 0; i < 2000; i++) {
      const next = await rollUpDimensions(workerDatabase, { maxTransactions: 2n });
      if (next.ran) runs.push(next);
      if (((await breakdownsOf(database.pool, links))?.countries ?? 0) >= 150) break;
    }
    // The five transactions took three runs at least, the runs before the last stopping short of the rest.
    expect(runs.filter((r) => !r.caughtUp).length).toBeGreaterThanOrEqual(2);
    expect(await breakdownsOf(database.pool, links)).toMatchObject({ countries: 150, agents: 150 });
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
  });

  test('leaves the clicks stored after a still-running transaction began for a later roll-up, and loses none', async ({
    database,
  }) => {
    const links = await seedLinks(database.pool, 2);
    const older = await database.pool.connect();
    try {
      await older.query('BEGIN');
      await older.query('SELECT pg_current_xact_id()');
      await run([batchOf(makeEvents(links, 50))], { rollUp: false });
      // The clicks are committed, but a transaction older than theirs could still store some: not yet.
      expect(await rollUpDimensions(workerDatabase)).toMatchObject({ ran: true });
      expect(await breakdownsOf(database.pool, links)).toMatchObject({ countries: 0, agents: 0 });
      await older.query('COMMIT');
    } finally {
      older.release();
    }
    await rollUpCommitted(workerDatabase);
    expect(await breakdownsOf(database.pool, links)).toMatchObject({
      countries: 50,
      agents: 50,
      accountOs: 50,
    });
  });

  test('runs one roll-up at a time across consumers: a run that finds another one going does nothing', async ({
    database,
  }) => {
    const links = await seedLinks(database.pool, 1);
    await run([batchOf(makeEvents(links, 20))], { rollUp: false });
    const other = await database.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1)', [ROLLUP_LOCK]);
      expect(await rollUpDimensions(workerDatabase)).toEqual({ ran: false });
      expect(await breakdownsOf(database.pool, links)).toMatchObject({ countries: 0 });
      await other.query('COMMIT');
    } finally {
      other.release();
    }
    await rollUpCommitted(workerDatabase);
    expect(await breakdownsOf(database.pool, links)).toMatchObject({ countries: 20 });
  });

  test('stores an event repeated inside one batch once', async ({ database }) => {
    const [link] = await seedLinks(database.pool, 1);
    const [a, b] = makeEvents([link as string], 2);
    if (!a || !b) throw new Error('events not generated');
    await run([batchOf([a, a, b, { ...a }])]);
    const row = await database.pool.query(
      'SELECT l.click_count::int AS n, (SELECT sum(clicks)::int FROM link_agents_daily a WHERE a.link_id = l.id) AS agents FROM links l WHERE id = $1',
      [link],
    );
    expect(row.rows[0]).toEqual({ n: 2, agents: 2 });
  });

  test('drops events of a deleted link without failing the rest of the batch', async ({ database }) => {
    const [kept, deleted] = await seedLinks(database.pool, 2);
    const events = makeEvents([kept as string, deleted as string], 100);
    await database.pool.query('DELETE FROM links WHERE id = $1', [deleted]);
    const orphanedBefore = await counter('clicksOrphaned');
    const counts = await run([batchOf(events)]);
    expect(counts.failed ?? 0).toBe(0);
    const row = await database.pool.query('SELECT click_count::int AS n FROM links WHERE id = $1', [kept]);
    expect(row.rows[0].n).toBe(50);
    expect(await counter('clicksOrphaned')).toBe(orphanedBefore + 50);
  });

  test('fails a malformed payload after one attempt and stores nothing', async ({ database }) => {
    const before = await totals(database.pool);
    const failedBefore = await counter('clickBatchesFailed', { reason: 'invalid_payload' });
    const job = await queue.add(
      JOB_NAMES.clickBatch,
      { v: 1, batchId: randomUUID(), events: [{ eventId: 'not-a-uuid', linkId: 42 }] },
      { attempts: 10, backoff: { type: 'exponential', delay: 1000 } },
    );
    finished += 1;
    await waitForQueue(queue, finished);

    const failed = await queue.getJob(job.id as string);
    expect(await failed?.getState()).toBe('failed');
    expect(failed?.attemptsMade).toBe(1);
    expect(failed?.failedReason).toMatch(/invalid clicks job payload/);
    expect(await counter('clickBatchesFailed', { reason: 'invalid_payload' })).toBe(failedBefore + 1);
    expect(await totals(database.pool)).toEqual(before);
  });

  test("keeps an account's roll-ups exact when its links are spread over every lane", async ({
    database,
    workerPool,
  }) => {
    // Links of two accounts, ingested by four lanes at once: every lane writes its own shard of the same
    // account rows; the shards must add up to the events, with no deadlock and no lost update.
    const first = await seedLinks(database.pool, 16);
    const second = await seedLinks(database.pool, 16);
    const ingestor = createCoalescingIngestor({ pool: workerPool, partitions: 4 });
    const batches = chunk(makeEvents([...first, ...second], 4000), 200);
    const results = await Promise.all([...batches, ...batches.slice(0, 3)].map((b) => ingestor.ingest(b)));
    expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(4000);
    const shards = await database.pool.query<{ shards: number }>(
      `SELECT count(DISTINCT shard)::int AS shards FROM account_clicks_daily a
       JOIN links l ON l.workspace_id = a.user_id WHERE l.id = $1`,
      [first[0]],
    );
    expect(shards.rows[0]?.shards).toBeGreaterThan(1);
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
  });

  test("counts a shared workspace's clicks in its own account roll-ups, whoever created the links", async ({
    database,
  }) => {
    const workspace = await database.pool.query<{ id: string }>(
      "INSERT INTO workspaces (name) VALUES ('Team') RETURNING id",
    );
    const workspaceId = workspace.rows[0]?.id as string;
    const links = [
      ...(await seedLinks(database.pool, 2, { workspaceId })),
      ...(await seedLinks(database.pool, 2, { workspaceId })),
    ];
    const creators = await database.pool.query<{ user_id: string }>(
      'SELECT DISTINCT user_id FROM links WHERE id = ANY($1::uuid[])',
      [links],
    );
    expect(creators.rows).toHaveLength(2);
    await run([batchOf(makeEvents(links, 300))]);
    const account = await database.pool.query<{ user_id: string; clicks: number }>(
      `SELECT user_id, sum(clicks)::int AS clicks FROM account_clicks_daily
       WHERE user_id = ANY($1::uuid[]) GROUP BY 1`,
      [[workspaceId, ...creators.rows.map((row) => row.user_id)]],
    );
    expect(account.rows).toEqual([{ user_id: workspaceId, clicks: 300 }]);
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
  });

  test("estimates an account's unique visitors within 2 %, and a redelivered job adds none", async ({
    database,
    queueRedis: workerRedis,
  }) => {
    const links = await seedLinks(database.pool, 5);
    const owner = await database.pool.query<{ user_id: string }>('SELECT user_id FROM links WHERE id = $1', [
      links[0],
    ]);
    const accountId = owner.rows[0]?.user_id as string;
    // 9,000 human clicks of 6,000 distinct visitors over two UTC days, plus bot clicks of other visitors.
    const start = Date.UTC(2025, 6, 1, 20);
    const events = makeEvents(links, 9600, start).map((event, i) => ({
      ...event,
      occurredAt: start + (i % 2) * 86_400_000,
      isBot: i >= 9000,
      visitorHash: i >= 9000 ? `bot-${i}` : `visitor-${i % 6000}`,
    }));
    const batches = chunk(events, 400).map(batchOf);
    await run(batches);
    const days = ['2025-07-01', '2025-07-02'];
    const humans = () =>
      workerRedis.pfcount(...days.map((day) => keys.accountVisitors(accountId, day, 'human')));
    const exact = await database.pool.query<{ n: number }>(
      `SELECT count(DISTINCT visitor_hash)::int AS n FROM click_events r
       WHERE r.link_id = ANY($1::uuid[]) AND NOT r.is_bot`,
      [links],
    );
    expect(exact.rows[0]?.n).toBe(6000);
    const estimate = await humans();
    expect(Math.abs(estimate - 6000) / 6000).toBeLessThanOrEqual(0.02);
    const withBots = await workerRedis.pfcount(
      ...days.flatMap((day) => [
        keys.accountVisitors(accountId, day, 'human'),
        keys.accountVisitors(accountId, day, 'bot'),
      ]),
    );
    expect(Math.abs(withBots - 6600) / 6600).toBeLessThanOrEqual(0.02);

    // Every batch delivered again: no click, roll-up or visitor counted twice.
    const before = await totals(database.pool);
    for (const batch of batches) await queue.add(JOB_NAMES.clickBatch, batch, { jobId: randomUUID() });
    finished += batches.length;
    await waitForQueue(queue, finished);
    expect(await totals(database.pool)).toEqual(before);
    expect(await humans()).toBe(estimate);
  });

  test('with a linger window, batches arriving within it share one transaction, counted once each', async ({
    database,
    workerPool,
  }) => {
    const links = await seedLinks(database.pool, 5);
    const before = await totals(database.pool);
    const transactions: number[] = [];
    const ingestor = createCoalescingIngestor({
      pool: workerPool,
      partitions: 1,
      lingerMs: 400,
      onTransaction: (events) => transactions.push(events),
    });
    const batches = chunk(makeEvents(links, 400), 100);
    const submissions: Promise<unknown>[] = [];
    // Four batches 50 ms apart: all inside the window the first one opened.
    for (const batch of batches) {
      submissions.push(ingestor.ingest(batch));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(submissions);

    expect(transactions).toEqual([400]);
    const after = await totals(database.pool);
    expect(after?.events).toBe((before?.events ?? 0) + 400);
    expect(after?.counted).toBe((before?.counted ?? 0) + 400);
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
  });

  test('without a linger window, a lone batch is its own transaction at once', async ({
    database,
    workerPool,
  }) => {
    const links = await seedLinks(database.pool, 2);
    const transactions: number[] = [];
    const ingestor = createCoalescingIngestor({
      pool: workerPool,
      partitions: 1,
      onTransaction: (events) => transactions.push(events),
    });
    const [first, second] = chunk(makeEvents(links, 20), 10);
    await ingestor.ingest(first ?? []);
    await ingestor.ingest(second ?? []);

    expect(transactions).toEqual([10, 10]);
  });

  test('groups concurrent batches into shared transactions and still counts every event once', async ({
    database,
    workerPool,
  }) => {
    const links = await seedLinks(database.pool, 9);
    const before = await totals(database.pool);
    const ingestor = createCoalescingIngestor({ pool: workerPool, partitions: 2 });
    const batches = chunk(makeEvents(links, 1200), 100);
    // The same batch twice in one wave: the second copy must come back as duplicates, not inserts.
    const submissions = [...batches, batches[0] ?? []].map((batch) => ingestor.ingest(batch));
    const results = await Promise.all(submissions);

    expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(1200);
    expect(results.at(-1)).toMatchObject({ received: 100, inserted: 0, duplicates: 100 });
    const after = await totals(database.pool);
    expect(after?.events).toBe((before?.events ?? 0) + 1200);
    expect(after?.counted).toBe((before?.counted ?? 0) + 1200);
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
  });
});
