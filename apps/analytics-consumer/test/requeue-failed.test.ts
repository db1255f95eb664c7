import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { defaultJobOptions, JOB_NAMES, parseClickBatch, QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createValidatedWorker } from '@boltlink/queues/worker';
import { Queue } from 'bullmq';
import { expect } from 'vitest';
import type { RequeueReport } from '../src/failed-jobs.ts';
import { createConsumerMetrics } from '../src/metrics.ts';
import { createClicksWorker } from '../src/workers/clicks-worker.ts';
import { batchOf, makeEvents, seedLinks, silentLogger, totals, waitFor, waitForQueue } from './helpers.ts';
import { test } from './support/consumer.ts';

const command = fileURLToPath(new URL('../src/requeue-failed.ts', import.meta.url));
const run = promisify(execFile);

/** The operator command as it is run: its own process, configured by the consumer's environment. */
async function requeueFailed(
  redisUrl: string,
  prefix: string,
  ...args: string[]
): Promise<RequeueReport & { dryRun: boolean }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', command, '--queue', 'clicks', ...args], {
    env: { ...process.env, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix, LOG_LEVEL: 'silent' },
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

test('re-queues failed click batches with a fresh retry budget, leaves invalid ones, and every click counts', async ({
  database,
  workerPool,
  queueRedis: redis,
  redisUrl,
  prefix: filePrefix,
}) => {
  const prefix = `{${filePrefix}}`;
  const queue = new Queue(QUEUE_NAMES.clicks, {
    connection: redis,
    prefix,
    defaultJobOptions: { ...defaultJobOptions, attempts: 2, backoff: { type: 'fixed', delay: 10 } },
  });
  try {
    const links = await seedLinks(database.pool, 3);
    const batches = Array.from({ length: 3 }, () => batchOf(makeEvents(links, 40)));
    for (const batch of batches) await queue.add(JOB_NAMES.clickBatch, batch, { jobId: batch.batchId });
    await queue.add(JOB_NAMES.clickBatch, { v: 1, batchId: randomUUID(), events: [] });

    // An outage without a gate, say: every job spends its attempts and ends in the failed set.
    const failing = createValidatedWorker(
      QUEUE_NAMES.clicks,
      parseClickBatch,
      async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
      { connection: redis, prefix, concurrency: 2 },
    );
    await waitFor(
      () => queue.getFailedCount(),
      (n) => n === 4,
      20_000,
      'four failed jobs',
    );
    await failing.close();

    const dryRun = await requeueFailed(redisUrl, prefix, '--dry-run');
    expect(dryRun).toMatchObject({ dryRun: true, failed: 4, requeued: 3, invalid: 1, skipped: 0 });
    expect(dryRun.reasons['connect ECONNREFUSED 127.0.0.1:5432']).toBe(3);
    expect(await queue.getFailedCount()).toBe(4);

    expect(await requeueFailed(redisUrl, prefix, '--limit', '2')).toMatchObject({
      dryRun: false,
      failed: 4,
      requeued: 2,
      invalid: 1,
      skipped: 1,
    });
    expect(await queue.getFailedCount()).toBe(2);
    expect(await queue.getWaitingCount()).toBe(2);
    expect(await requeueFailed(redisUrl, prefix)).toMatchObject({
      failed: 2,
      requeued: 1,
      invalid: 1,
      skipped: 0,
    });

    const worker = createClicksWorker(
      {
        pool: workerPool,
        metrics: createConsumerMetrics(createMetricsRegistry('requeue-test', { defaultMetrics: false })),
        logger: silentLogger,
      },
      { connection: redis, prefix, concurrency: 2 },
    );
    try {
      const counts = await waitForQueue(queue, 4, 30_000);
      expect(counts).toMatchObject({ completed: 3, failed: 1 });
    } finally {
      await worker.close();
    }
    expect((await totals(database.pool))?.counted).toBe(120);
    for (const batch of batches) {
      const job = await queue.getJob(batch.batchId);
      // A fresh budget: the attempt that succeeded is the first since the re-queue.
      expect(job?.attemptsMade).toBe(1);
    }
  } finally {
    await queue.obliterate({ force: true });
    await queue.close();
  }
}, 90_000);

test('stops with a clear error instead of waiting forever when the queue Redis does not answer', async () => {
  // A port that was free a moment ago: nothing listens on it.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));

  const outcome = await run(
    process.execPath,
    ['--import', 'tsx', command, '--queue', 'clicks', '--dry-run', '--connect-timeout', '1'],
    {
      env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}`, QUEUE_PREFIX: '{unused}' },
      timeout: 30_000,
    },
  ).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code?: number; stderr?: string }) => ({ code: error.code, stderr: error.stderr ?? '' }),
  );
  expect(outcome.code).toBe(1);
  expect(outcome.stderr).toContain('the queue Redis (REDIS_URL) did not answer within 1 s');
}, 60_000);
