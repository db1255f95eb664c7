import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { QUEUE_NAMES } from '@boltlink/queues/catalog';
import { createQueueProducer } from '@boltlink/queues/producer';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { test } from '@boltlink/testing/fixtures';
import type { Pool } from 'pg';
import { expect } from 'vitest';
import {
  batchOf,
  chunk,
  inspectQueue,
  makeEvents,
  rollupsVersusEvents,
  seedLinks,
  totals,
  waitFor,
  waitForQueue,
} from './helpers.ts';

const fixture = fileURLToPath(new URL('./fixtures/clicks-worker-process.ts', import.meta.url));
const children: ChildProcess[] = [];

async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('ready')) resolve();
    });
  });
  return child;
}

/** A click transaction of the worker process that has already written rows and not yet committed. */
async function openTransactions(pool: Pool): Promise<number> {
  const result = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'crash-test-consumer'
       AND backend_xid IS NOT NULL`,
  );
  return result.rows[0]?.n ?? 0;
}

test.afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

test('loses nothing and double-counts nothing when the consumer is SIGKILLed mid-batch', async ({
  database,
  redisUrl,
  prefix: filePrefix,
}) => {
  const prefix = `{${filePrefix}}`;
  const redis = createQueueRedis(redisUrl, 'worker');
  const producer = createQueueProducer({ connection: redis, prefix });
  const queue = inspectQueue(QUEUE_NAMES.clicks, redis, prefix);
  const env = { DATABASE_URL: database.url, REDIS_URL: redisUrl, QUEUE_PREFIX: prefix };
  try {
    const links = await seedLinks(database.pool, 5);
    const batches = chunk(makeEvents(links, 24_000), 1500).map(batchOf);
    for (const batch of batches) await producer.enqueueClickBatch(batch);

    for (let round = 0; round < 2; round += 1) {
      const child = await startWorkerProcess(env);
      // Kill only once some work is done and a transaction is open: the batch in flight is half written.
      await waitFor(
        async () => ({
          completed: await queue.getCompletedCount(),
          open: await openTransactions(database.pool),
        }),
        (s) => s.completed > round * 4 && s.open > 0,
        30_000,
        'an open click transaction',
      );
      const activeAtKill = await queue.getActiveCount();
      child.kill('SIGKILL');
      await once(child, 'exit');
      expect(activeAtKill).toBeGreaterThan(0);
      expect(await queue.getCompletedCount()).toBeLessThan(batches.length);
    }

    await startWorkerProcess(env);
    const counts = await waitForQueue(queue, batches.length, 90_000);
    const failed = await queue.getFailed();
    expect(failed.map((job) => job.failedReason)).toEqual([]);
    expect(counts.failed ?? 0).toBe(0);
    expect(counts.completed).toBe(batches.length);
    expect(await totals(database.pool)).toEqual({
      events: 24_000,
      hourly: 24_000,
      daily: 24_000,
      counted: 24_000,
    });
    for (const [table, { stored, expected }] of Object.entries(await rollupsVersusEvents(database.pool))) {
      expect(stored, table).toEqual(expected);
    }
  } finally {
    await producer.close();
    await queue.close();
    redis.disconnect();
  }
}, 150_000);
