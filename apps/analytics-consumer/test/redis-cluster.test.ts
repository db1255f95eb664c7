import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { defaultJobOptions, JOB_NAMES, parseClickBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createValidatedWorker } from '@boltlink/queues/worker';
import { createQueueRedis, type RedisClient, waitForReady } from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { uniquePrefix } from '@boltlink/testing/redis';
import {
  type LocalRedisCluster,
  redisClusterUnavailable,
  startRedisCluster,
} from '@boltlink/testing/redis-cluster';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createCoalescingIngestor } from '../src/ingest/coalescing-ingestor.ts';
import { rebuildVisitorSketches } from '../src/ingest/rebuild-visitor-sketches.ts';
import { createRedisVisitorSketches } from '../src/ingest/visitor-sketches.ts';
import { createConsumerMetrics } from '../src/metrics.ts';
import { registerQueueJobsGauge } from '../src/queue-metrics.ts';
import { createClicksWorker } from '../src/workers/clicks-worker.ts';
import { batchOf, chunk, makeEvents, seedLinks, silentLogger, waitFor, waitForQueue } from './helpers.ts';
import { test } from './support/consumer.ts';

// The consumer's Redis work on one real Redis Cluster of six servers.
const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`Redis Cluster tests skipped: ${unavailable}`);

let cluster: LocalRedisCluster;
let redis: RedisClient;

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startRedisCluster();
  redis = createQueueRedis(cluster.url, 'producer');
  await waitForReady(redis);
}, 60_000);

afterAll(async () => {
  redis?.disconnect();
  await cluster?.stop();
});

const DAYS = ['2025-08-01', '2025-08-02'];
const requeueCommand = fileURLToPath(new URL('../src/requeue-failed.ts', import.meta.url));
const run = promisify(execFile);

describe.skipIf(unavailable !== undefined)('the analytics consumer on a Redis Cluster', () => {
  test('writes the visitor sketches of many accounts in one batch, and rebuilds one from Postgres', async ({
    workerPool: pool,
  }) => {
    const keys = createRedisKeys(uniquePrefix('consumer-cluster'));
    // Six accounts: their sketches' hash tags fall on different primaries.
    const accounts: { id: string; links: string[] }[] = [];
    for (let i = 0; i < 6; i += 1) {
      const links = await seedLinks(pool, 2);
      const owner = await pool.query<{ user_id: string }>('SELECT user_id FROM links WHERE id = $1', [
        links[0],
      ]);
      accounts.push({ id: owner.rows[0]?.user_id as string, links });
    }
    const owners = new Set<number>();
    for (const account of accounts) {
      owners.add((await cluster.primaryOf(keys.accountVisitors(account.id, DAYS[0] ?? '', 'human'))).port);
    }
    expect(owners.size).toBeGreaterThan(1);

    const start = Date.UTC(2025, 7, 1, 12);
    const events = makeEvents(
      accounts.flatMap((account) => account.links),
      1200,
      start,
    ).map((event, i) => ({
      ...event,
      occurredAt: start + (i % 2) * 86_400_000,
      isBot: false,
      visitorHash: `v-${i}`,
    }));
    const ingestor = createCoalescingIngestor({ pool, sketches: createRedisVisitorSketches(redis, keys) });
    for (const batch of chunk(events, 600)) await ingestor.ingest(batch);

    const count = (accountId: string) =>
      redis.pfcount(...DAYS.map((day) => keys.accountVisitors(accountId, day, 'human')));
    const perAccount = await Promise.all(accounts.map((account) => count(account.id)));
    // 1,200 distinct visitors spread evenly over the twelve links, two per account.
    for (const uniques of perAccount) expect(Math.abs(uniques - 200)).toBeLessThanOrEqual(4);

    const [lost] = accounts;
    if (!lost) throw new Error('no account');
    await Promise.all(DAYS.map((day) => redis.del(keys.accountVisitors(lost.id, day, 'human'))));
    await redis.pfadd(keys.accountVisitors(lost.id, '2025-07-01', 'human'), 'stray');
    const report = await rebuildVisitorSketches({ pool, redis, keys }, { accounts: [lost.id] });
    expect(report).toEqual({ accounts: 1, days: 2, visitors: 200 });
    expect(await count(lost.id)).toBe(perAccount[0]);
    // The stray day was found by the SCAN of the primary that holds the account's keys, and deleted.
    expect(await redis.exists(keys.accountVisitors(lost.id, '2025-07-01', 'human'))).toBe(0);
  });

  test("reports a queue's backlog from the cluster", async () => {
    const queue = new Queue(QUEUE_NAMES.clicks, {
      connection: redis,
      prefix: `{${uniquePrefix('consumer-cluster')}}`,
    });
    try {
      await queue.pause();
      await queue.add('batch', { n: 1 });
      await queue.add('batch', { n: 2 });
      const metrics = createMetricsRegistry('analytics-consumer', { defaultMetrics: false });
      registerQueueJobsGauge(metrics, [queue]);
      expect(await metrics.registry.metrics()).toMatch(
        /boltlink_queue_jobs\{[^}]*queue="clicks"[^}]*state="wait"[^}]*\} 2\n/,
      );
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  test('requeue-failed, run as the operator runs it, puts failed click batches back on the cluster', async ({
    workerPool,
  }) => {
    const prefix = `{${uniquePrefix('consumer-cluster')}}`;
    const queue = new Queue(QUEUE_NAMES.clicks, {
      connection: redis,
      prefix,
      defaultJobOptions: { ...defaultJobOptions, attempts: 1 },
    });
    const worker = createQueueRedis(cluster.url, 'worker');
    try {
      const links = await seedLinks(workerPool, 2);
      for (let i = 0; i < 2; i += 1) await queue.add(JOB_NAMES.clickBatch, batchOf(makeEvents(links, 20)));
      await queue.add(JOB_NAMES.clickBatch, { v: 1, batchId: randomUUID(), events: [] });
      const failing = createValidatedWorker(
        QUEUE_NAMES.clicks,
        parseClickBatch,
        async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        },
        { connection: worker, prefix, concurrency: 2 },
      );
      await waitFor(
        () => queue.getFailedCount(),
        (n) => n === 3,
        20_000,
        'three failed jobs',
      );
      await failing.close();

      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', requeueCommand, '--queue', 'clicks'],
        {
          env: { ...process.env, REDIS_URL: cluster.url, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' },
          timeout: 30_000,
        },
      );
      expect(JSON.parse(stdout)).toMatchObject({ failed: 3, requeued: 2, invalid: 1, skipped: 0 });

      const clicks = createClicksWorker(
        {
          pool: workerPool,
          metrics: createConsumerMetrics(createMetricsRegistry('cluster-requeue', { defaultMetrics: false })),
          logger: silentLogger,
        },
        { connection: worker, prefix, concurrency: 2 },
      );
      try {
        expect(await waitForQueue(queue, 3, 30_000)).toMatchObject({ completed: 2, failed: 1 });
      } finally {
        await clicks.close();
      }
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      worker.disconnect();
    }
  });
});
