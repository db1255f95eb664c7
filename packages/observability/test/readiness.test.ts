import { createCacheRedis, createQueueRedis } from '@boltlink/redis-keys/clients';
import { createTestDatabase, type TestDatabase } from '@boltlink/testing/postgres';
import { type PrivateRedis, startPrivateRedis, testRedisUrl } from '@boltlink/testing/redis';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthPlugin, postgresCheck, queueRedisCheck, redisCheck } from '../src/health.ts';

// The clients the services use: the cache client fails fast (no offline queue); the worker client queues
// commands while disconnected, so only the per-check timeout stops a probe from hanging on it.
const ignoreErrors = { onError: () => {} };

async function readyWithin(app: FastifyInstance, status: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject('/ready');
    if (res.statusCode === status || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('/ready with real Postgres and Redis', () => {
  let database: TestDatabase;
  let cache: Redis;
  let queue: Redis;
  let app: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase({ poolMax: 2 });
    cache = createCacheRedis(testRedisUrl(), ignoreErrors);
    queue = createQueueRedis(testRedisUrl(), 'worker', ignoreErrors);
    app = Fastify();
    await app.register(healthPlugin, {
      checks: {
        postgres: postgresCheck(database.pool),
        redis: redisCheck(cache),
        queue: queueRedisCheck(queue),
      },
    });
  });

  afterAll(async () => {
    await app?.close();
    cache?.disconnect();
    queue?.disconnect();
    await database?.drop();
  });

  it('is ready when every dependency answers', async () => {
    const res = await readyWithin(app, 200, 5000);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'ready',
      checks: { postgres: { ok: true }, redis: { ok: true }, queue: { ok: true } },
    });
  });

  it('fails fast with the driver error when Postgres does not listen', async () => {
    // A port nothing listens on: the driver gets a real ECONNREFUSED from the kernel.
    const pool = new pg.Pool({
      connectionString: 'postgres://boltlink@127.0.0.1:1/boltlink',
      connectionTimeoutMillis: 1000,
    });
    const broken = Fastify();
    await broken.register(healthPlugin, {
      checks: { postgres: postgresCheck(pool), redis: redisCheck(cache) },
    });
    const res = await broken.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      detail: 'failing checks: postgres',
      checks: {
        postgres: { ok: false, error: expect.stringContaining('ECONNREFUSED') },
        redis: { ok: true },
      },
    });
    await broken.close();
    await pool.end();
  });
});

describe('/ready while Redis goes away and comes back', () => {
  let redis: PrivateRedis;
  let cache: Redis;
  let queue: Redis;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cache = createCacheRedis(redis.url, ignoreErrors);
    queue = createQueueRedis(redis.url, 'worker', ignoreErrors);
    app = Fastify();
    await app.register(healthPlugin, {
      checks: { redis: redisCheck(cache), queue: queueRedisCheck(queue) },
      timeoutMs: 500,
    });
  });

  afterAll(async () => {
    await app?.close();
    cache?.disconnect();
    queue?.disconnect();
    await redis?.destroy();
  });

  it('answers 503 within the check timeout while Redis is stopped, and 200 again once it returns', async () => {
    expect((await readyWithin(app, 200, 5000)).statusCode).toBe(200);

    await redis.stop();
    const started = Date.now();
    const down = await app.inject('/ready');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'unavailable',
      checks: { redis: { ok: false }, queue: { ok: false, error: 'timed out after 500 ms' } },
    });

    await redis.start();
    const back = await readyWithin(app, 200, 10_000);
    expect(back.statusCode).toBe(200);
    expect(back.json()).toMatchObject({ status: 'ready' });
  });
});

describe('/ready with a queue Redis that may evict keys', () => {
  let redis: PrivateRedis;
  let queue: Redis;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startPrivateRedis({ maxmemoryPolicy: 'allkeys-lru', appendOnly: false });
    queue = createQueueRedis(redis.url, 'worker', ignoreErrors);
    app = Fastify();
    await app.register(healthPlugin, { checks: { queue: queueRedisCheck(queue) } });
  });

  afterAll(async () => {
    await app?.close();
    queue?.disconnect();
    await redis?.destroy();
  });

  it('answers 503 saying BullMQ would lose jobs and how to fix it, and 200 once fixed', async () => {
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    const error = res.json().checks.queue.error as string;
    expect(error).toContain('maxmemory-policy "allkeys-lru"');
    expect(error).toContain('BullMQ');
    expect(error).toContain('lost');
    expect(error).toContain('maxmemory-policy noeviction');

    await queue.config('SET', 'maxmemory-policy', 'noeviction');
    expect((await app.inject('/ready')).statusCode).toBe(200);
  });
});
