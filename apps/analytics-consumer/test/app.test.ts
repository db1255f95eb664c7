import { createPool } from '@boltlink/db/client';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import { createQueueRedis } from '@boltlink/redis-keys/clients';
import { test } from '@boltlink/testing/fixtures';
import { startPrivateRedis } from '@boltlink/testing/redis';
import { describe, expect } from 'vitest';
import { buildApp } from '../src/app.ts';
import { createConsumerMetrics } from '../src/metrics.ts';
import { createClicksWorker } from '../src/workers/clicks-worker.ts';
import { silentLogger, waitFor } from './helpers.ts';

function appWith(databaseUrl: string, redisUrl: string) {
  const metrics = createMetricsRegistry('analytics-consumer-test');
  createConsumerMetrics(metrics);
  return buildApp(
    {
      pool: createPool({ connectionString: databaseUrl, max: 2 }),
      // Refused connections while the test stops Redis are expected; the gauges report them.
      queueRedis: createQueueRedis(redisUrl, 'worker', { onError: () => {} }),
      metrics,
    },
    { dependencyChecks: { intervalMs: 100, timeoutMs: 500 } },
  );
}

async function queueRedisUp(app: Awaited<ReturnType<typeof appWith>>): Promise<string | undefined> {
  const body = (await app.inject('/metrics')).body;
  return /^boltlink_dependency_up\{dependency="queueRedis"[^}]*\} (\d)$/m.exec(body)?.[1];
}

describe('consumer HTTP endpoints', () => {
  test('serves /health, /ready once its dependencies answered, and /metrics with the consumer counters', async ({
    database,
    redisUrl,
  }) => {
    const app = await appWith(database.url, redisUrl);
    try {
      expect((await app.inject('/health')).json()).toEqual({ status: 'ok' });
      const ready = await app.inject('/ready');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
      expect((await app.inject('/health/dependencies')).json()).toMatchObject({
        status: 'ok',
        dependencies: { postgres: { up: true }, queueRedis: { up: true } },
      });
      const metrics = await app.inject('/metrics');
      expect(metrics.statusCode).toBe(200);
      for (const name of [
        'boltlink_clicks_ingested_total',
        'boltlink_click_duplicates_skipped_total',
        'boltlink_click_batches_failed_total',
        'boltlink_link_metadata_fetches_total',
        'process_cpu_user_seconds_total',
        'boltlink_dependency_up',
        'boltlink_dependency_checked_at_seconds',
      ]) {
        expect(metrics.body).toContain(name);
      }
    } finally {
      await app.close();
    }
  });

  test('is not ready on a queue Redis that may evict jobs, and says why', async ({ database }) => {
    const redis = await startPrivateRedis({ maxmemoryPolicy: 'allkeys-lru' });
    const app = await appWith(database.url, redis.url);
    try {
      const ready = await app.inject('/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toEqual({
        status: 'starting',
        detail: 'waiting for a first answer from: queueRedis',
      });
    } finally {
      await app.close();
      await redis.destroy();
    }
  });

  test('stays ready while Redis is down, with the gauge at 0 until it is back', async ({ database }) => {
    const redis = await startPrivateRedis();
    const app = await appWith(database.url, redis.url);
    try {
      expect((await app.inject('/ready')).statusCode).toBe(200);
      await redis.stop();
      await waitFor(
        () => queueRedisUp(app),
        (up) => up === '0',
        5000,
        'queueRedis gauge 0',
      );
      expect((await app.inject('/ready')).statusCode).toBe(200);
      await redis.start();
      await waitFor(
        () => queueRedisUp(app),
        (up) => up === '1',
        15_000,
        'queueRedis gauge 1',
      );
    } finally {
      await app.close();
      await redis.destroy();
    }
  });

  test('closes its workers before its Postgres pool and Redis connection', async ({
    database,
    redisUrl,
    prefix,
  }) => {
    const pool = createPool({ connectionString: database.url, max: 2 });
    const queueRedis = createQueueRedis(redisUrl, 'worker');
    const metrics = createMetricsRegistry('analytics-consumer-test');
    const worker = createClicksWorker(
      { pool, metrics: createConsumerMetrics(metrics), logger: silentLogger },
      { connection: queueRedis, prefix: `{${prefix}}`, concurrency: 1 },
    );
    await worker.waitUntilReady();
    const order: string[] = [];
    const close = worker.close.bind(worker);
    worker.close = async () => {
      await close();
      order.push(`worker closed (pool ended: ${pool.ended})`);
    };
    const app = await buildApp({ pool, queueRedis, metrics, workers: [worker] });
    await app.close();
    expect(order).toEqual(['worker closed (pool ended: false)']);
    expect(pool.ended).toBe(true);
    await waitFor(
      async () => queueRedis.status,
      (status) => status === 'end',
      5000,
      'queue Redis closed',
    );
    expect(worker.isRunning()).toBe(false);
  });
});
