import { createCacheRedis, createQueueRedis, type RedisClient } from '@boltlink/redis-keys/clients';
import { test } from '@boltlink/testing/fixtures';
import { type PrivateRedis, startPrivateRedis } from '@boltlink/testing/redis';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { createDependencyMonitor, type DependencyMonitor } from '../src/dependencies.ts';
import { healthPlugin, postgresCheck, queueRedisCheck, redisCheck } from '../src/health.ts';
import { createMetricsRegistry, type MetricsRegistry } from '../src/metrics.ts';

// The clients the services use: the cache client fails fast (no offline queue); the worker client queues
// commands while disconnected, so only the per-check timeout stops a check from hanging on it.
const ignoreErrors = { onError: () => {} };

async function upGauge(metrics: MetricsRegistry, dependency: string): Promise<number | undefined> {
  const text = await metrics.registry.metrics();
  const match = new RegExp(`^boltlink_dependency_up\\{dependency="${dependency}"[^}]*\\} (\\d+)$`, 'm').exec(
    text,
  );
  return match ? Number(match[1]) : undefined;
}

describe('dependency checks against a real Postgres and Redis that stop and come back', () => {
  let redis: PrivateRedis;
  let cache: RedisClient;
  let queue: RedisClient;
  let metrics: MetricsRegistry;
  let monitor: DependencyMonitor;
  let edgeLike: FastifyInstance;
  let apiLike: FastifyInstance;

  // The file's database; a Redis of its own, which the tests stop.
  test.beforeAll(async ({ database }) => {
    redis = await startPrivateRedis();
    cache = createCacheRedis(redis.url, ignoreErrors);
    queue = createQueueRedis(redis.url, 'worker', ignoreErrors);
    metrics = createMetricsRegistry('redirect-edge', { defaultMetrics: false });
    monitor = createDependencyMonitor({
      checks: {
        postgres: postgresCheck(database.pool),
        queueRedis: queueRedisCheck(queue),
        cacheRedis: redisCheck(cache),
      },
      intervalMs: 100,
      timeoutMs: 500,
      metrics,
    });
    // Serving-only readiness (the edge) and first-answer readiness (the API, the consumer).
    edgeLike = Fastify();
    await edgeLike.register(healthPlugin, { monitor });
    apiLike = Fastify();
    await apiLike.register(healthPlugin, { monitor, readyAfterFirstAnswerFrom: ['postgres', 'queueRedis'] });
    await Promise.all([edgeLike.ready(), apiLike.ready()]);
  });

  afterAll(async () => {
    await edgeLike?.close();
    await apiLike?.close();
    cache?.disconnect();
    queue?.disconnect();
    await redis?.destroy();
  });

  test('flips the gauges while Redis is stopped, and /ready stays 200', async () => {
    for (const dependency of ['postgres', 'queueRedis', 'cacheRedis']) {
      await expect.poll(() => upGauge(metrics, dependency), { timeout: 5000 }).toBe(1);
    }
    expect((await apiLike.inject('/ready')).statusCode).toBe(200);

    await redis.stop();
    await expect.poll(() => upGauge(metrics, 'queueRedis'), { timeout: 5000 }).toBe(0);
    await expect.poll(() => upGauge(metrics, 'cacheRedis'), { timeout: 5000 }).toBe(0);
    expect(await upGauge(metrics, 'postgres')).toBe(1);
    expect((await edgeLike.inject('/ready')).statusCode).toBe(200);
    expect((await apiLike.inject('/ready')).statusCode).toBe(200);
    const report = (await edgeLike.inject('/health/dependencies')).json();
    expect(report).toMatchObject({
      status: 'degraded',
      dependencies: { postgres: { up: true }, queueRedis: { up: false }, cacheRedis: { up: false } },
    });

    await redis.start();
    await expect.poll(() => upGauge(metrics, 'queueRedis'), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => upGauge(metrics, 'cacheRedis'), { timeout: 10_000 }).toBe(1);
    expect((await edgeLike.inject('/health/dependencies')).json().status).toBe('ok');
  });

  test('reports Postgres down when nothing listens, while /ready of a serving-only app stays 200', async () => {
    // A port nothing listens on: the driver gets a real ECONNREFUSED from the kernel.
    const pool = new pg.Pool({
      connectionString: 'postgres://boltlink@127.0.0.1:1/boltlink',
      connectionTimeoutMillis: 1000,
    });
    const broken = createDependencyMonitor({
      checks: { postgres: postgresCheck(pool) },
      intervalMs: 60_000,
      timeoutMs: 1000,
    });
    const app = Fastify();
    await app.register(healthPlugin, { monitor: broken });
    await broken.checkNow();
    expect(broken.snapshot().postgres).toMatchObject({ up: false, answeredOnce: false });
    expect((await app.inject('/ready')).statusCode).toBe(200);
    await app.close();
    await pool.end();
  });
});

describe('a queue Redis that may evict keys', () => {
  let redis: PrivateRedis;
  let queue: RedisClient;

  beforeAll(async () => {
    redis = await startPrivateRedis({ maxmemoryPolicy: 'allkeys-lru', appendOnly: false });
    queue = createQueueRedis(redis.url, 'worker', ignoreErrors);
  });

  afterAll(async () => {
    queue?.disconnect();
    await redis?.destroy();
  });

  test('is down, logged with how to fix it, and keeps an API-like service from becoming ready until fixed', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const monitor = createDependencyMonitor({
      checks: { queueRedis: queueRedisCheck(queue) },
      intervalMs: 60_000,
      timeoutMs: 1000,
      logger: { info: () => {}, warn: (obj) => warnings.push(obj as Record<string, unknown>) },
    });
    const app = Fastify();
    await app.register(healthPlugin, { monitor, readyAfterFirstAnswerFrom: ['queueRedis'] });
    expect((await app.inject('/ready')).statusCode).toBe(503);
    const error = String(warnings[0]?.error);
    expect(error).toContain('maxmemory-policy "allkeys-lru"');
    expect(error).toContain('BullMQ');
    expect(error).toContain('maxmemory-policy noeviction');

    await queue.config('SET', 'maxmemory-policy', 'noeviction');
    expect((await app.inject('/ready')).statusCode).toBe(200);
    await app.close();
  });
});
