import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthPlugin, postgresCheck, queueRedisCheck, redisCheck } from '../src/health.ts';
import { type PrivateRedis, startPrivateRedis } from './support/servers.ts';

// The same presets the services use (see @boltlink/redis-keys): the cache client fails fast with no
// offline queue; the worker client queues commands while disconnected and would wait forever.
function cacheClient(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 500,
    connectTimeout: 1000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 500),
  });
  redis.on('error', () => {});
  return redis;
}

function workerClient(url: string): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 500),
  });
  redis.on('error', () => {});
  return redis;
}

async function readyWithin(app: FastifyInstance, status: number, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await app.inject('/ready');
    if (res.statusCode === status || Date.now() > deadline) return res;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('/ready against real Redis', () => {
  let redis: PrivateRedis;
  let cache: Redis;
  let queue: Redis;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    cache = cacheClient(redis.url);
    queue = workerClient(redis.url);
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
    await redis?.stop();
  });

  it('is ready, then 503 while Redis is stopped, then ready again when it returns', async () => {
    const up = await readyWithin(app, 200, 5000);
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({
      status: 'ready',
      checks: { redis: { ok: true }, queue: { ok: true } },
    });

    await redis.stop();
    const started = Date.now();
    const down = await app.inject('/ready');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'unavailable',
      checks: { redis: { ok: false }, queue: { ok: false, error: 'timed out after 500 ms' } },
    });

    redis = await startPrivateRedis({ port: redis.port });
    const back = await readyWithin(app, 200, 10_000);
    expect(back.statusCode).toBe(200);
  });
});

describe('/ready with a queue Redis that may evict', () => {
  let redis: PrivateRedis;
  let queue: Redis;
  let app: FastifyInstance;

  beforeAll(async () => {
    redis = await startPrivateRedis({ maxmemoryPolicy: 'allkeys-lru' });
    queue = workerClient(redis.url);
    app = Fastify();
    await app.register(healthPlugin, { checks: { queue: queueRedisCheck(queue) } });
  });

  afterAll(async () => {
    await app?.close();
    queue?.disconnect();
    await redis?.stop();
  });

  it('answers 503 saying BullMQ would lose jobs and how to fix it, and recovers once fixed', async () => {
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

describe('/ready with Postgres', () => {
  it('fails fast with the driver error when nothing listens', async () => {
    const pool = new pg.Pool({
      connectionString: 'postgres://x:y@127.0.0.1:1/none',
      connectionTimeoutMillis: 1000,
    });
    const app = Fastify();
    await app.register(healthPlugin, { checks: { postgres: postgresCheck(pool) } });
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json().checks.postgres.error).toContain('ECONNREFUSED');
    await app.close();
    await pool.end();
  });
});
