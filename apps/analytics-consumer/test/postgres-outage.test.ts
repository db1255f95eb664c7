import { createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { defaultJobOptions, JOB_NAMES, QUEUE_NAMES } from '@boltlink/queues/catalog';
import type { RedisClient } from '@boltlink/redis-keys/clients';
import { type PrivatePostgres, startPrivatePostgres } from '@boltlink/testing/postgres';
import { Queue } from 'bullmq';
import type { Pool } from 'pg';
import type { Registry } from 'prom-client';
import { expect } from 'vitest';
import { createConsumerMetrics } from '../src/metrics.ts';
import { createPostgresGate } from '../src/postgres-gate.ts';
import { registerQueueJobsGauge } from '../src/queue-metrics.ts';
import { createClicksWorker } from '../src/workers/clicks-worker.ts';
import { batchOf, makeEvents, seedLinks, silentLogger, totals, waitFor, waitForQueue } from './helpers.ts';
import { test } from './support/consumer.ts';

// A retry budget of ~0.3 s (3 attempts, 150 ms apart) against a 4 s outage: without the gate, jobs that run
// into the outage exhaust their attempts and fail for good; with it, none may.
const SHORT_BUDGET = { attempts: 3, backoff: { type: 'fixed', delay: 150 } } as const;
const OUTAGE_MS = 4_000;
const BATCHES_BEFORE = 10;
const BATCHES_DURING = 40;
const CLICKS_PER_BATCH = 100;

let postgres: PrivatePostgres;
let pool: Pool;
let links: string[];

test.beforeAll(async () => {
  // A Postgres of this file only: the test stops and restarts it.
  postgres = await startPrivatePostgres();
  pool = createPool({
    connectionString: postgres.url,
    max: 4,
    connectionTimeoutMs: 1_000,
    onError: () => {},
  });
  links = await seedLinks(pool, 5);
}, 120_000);

test.afterAll(async () => {
  await pool?.end();
  await postgres?.destroy();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value of one series as Prometheus would scrape it (0 when absent). */
async function scraped(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  const match = values.find((v) =>
    Object.entries(labels).every(([key, value]) => (v.labels as Record<string, unknown>)[key] === value),
  );
  return match?.value ?? 0;
}

async function clicksCounted(): Promise<number> {
  return (await totals(pool))?.counted ?? 0;
}

/** Clicks queued before and during a Postgres outage longer than the retry budget; then Postgres returns. */
async function runOutage(redis: RedisClient, filePrefix: string, withGate: boolean) {
  const prefix = `{${filePrefix}-${withGate ? 'gate' : 'no-gate'}}`;
  const queue = new Queue(QUEUE_NAMES.clicks, {
    connection: redis,
    prefix,
    defaultJobOptions: { ...defaultJobOptions, ...SHORT_BUDGET },
  });
  const metricsRegistry = createMetricsRegistry('outage-test', { defaultMetrics: false });
  const metrics = createConsumerMetrics(metricsRegistry);
  registerQueueJobsGauge(metricsRegistry, [queue]);
  const { registry } = metricsRegistry;
  const gate = withGate
    ? createPostgresGate(pool, { minDelayMs: 100, maxDelayMs: 500, probeTimeoutMs: 1_000, metrics })
    : undefined;
  const worker = createClicksWorker(
    { pool, metrics, logger: silentLogger },
    { connection: redis, prefix, concurrency: 4, gate },
  );
  const postgresAvailable = () =>
    scraped(registry, 'boltlink_consumer_dependency_available', { dependency: 'postgres' });
  const before = await clicksCounted();
  const enqueue = async (count: number) => {
    for (let i = 0; i < count; i += 1) {
      const batch = batchOf(makeEvents(links, CLICKS_PER_BATCH));
      await queue.add(JOB_NAMES.clickBatch, batch, { jobId: batch.batchId });
    }
  };
  try {
    await enqueue(BATCHES_BEFORE);
    await waitFor(
      () => queue.getCompletedCount(),
      (done) => done >= BATCHES_BEFORE,
      30_000,
      'the batches queued before the outage',
    );
    await postgres.stop();
    const outageStarted = Date.now();
    await enqueue(BATCHES_DURING);
    if (gate) {
      await waitFor(postgresAvailable, (value) => value === 0, OUTAGE_MS, 'the gate to report Postgres down');
    }
    await sleep(OUTAGE_MS - (Date.now() - outageStarted));
    await postgres.start();
    const counts = await waitForQueue(queue, BATCHES_BEFORE + BATCHES_DURING, 60_000);
    return {
      completed: counts.completed ?? 0,
      failed: counts.failed ?? 0,
      counted: (await clicksCounted()) - before,
      metrics: {
        failedInQueue: await scraped(registry, 'boltlink_queue_jobs', { queue: 'clicks', state: 'failed' }),
        jobsFailed: await scraped(registry, 'boltlink_jobs_failed_total', { queue: 'clicks' }),
        jobsDeferred: await scraped(registry, 'boltlink_jobs_deferred_total', { queue: 'clicks' }),
        postgresAvailable: await postgresAvailable(),
      },
    };
  } finally {
    gate?.stop();
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

const ALL_CLICKS = (BATCHES_BEFORE + BATCHES_DURING) * CLICKS_PER_BATCH;

test('without the gate, an outage longer than the retry budget fails jobs for good', async ({
  queueRedis,
  prefix,
}) => {
  const result = await runOutage(queueRedis, prefix, false);
  expect(result.failed).toBeGreaterThan(0);
  expect(result.counted).toBeLessThan(ALL_CLICKS);
  // What an operator sees: the failed set in the queue gauge and the failures counted, for the alert.
  expect(result.metrics.failedInQueue).toBe(result.failed);
  expect(result.metrics.jobsFailed).toBe(result.failed);
  expect(result.metrics.jobsDeferred).toBe(0);
}, 120_000);

test('with the gate, every click queued before and during the outage is counted and no job fails', async ({
  queueRedis,
  prefix,
}) => {
  const result = await runOutage(queueRedis, prefix, true);
  expect(result).toMatchObject({
    completed: BATCHES_BEFORE + BATCHES_DURING,
    failed: 0,
    counted: ALL_CLICKS,
  });
  expect(result.metrics).toMatchObject({ failedInQueue: 0, jobsFailed: 0, postgresAvailable: 1 });
  expect(result.metrics.jobsDeferred).toBeGreaterThan(0);
}, 120_000);
