import { createDb, createPool, type Db } from '@boltlink/db/client';
import { type PrivatePostgres, startPrivatePostgres } from '@boltlink/testing/postgres';
import { type PrivateRedis, startPrivateRedis, uniquePrefix } from '@boltlink/testing/redis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, DOMAIN, insertLink, startEdge, type TestEdge } from './support/edge.ts';

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let pool: pg.Pool;
let db: Db;
let edge: TestEdge;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startPrivatePostgres({ migrate: true }), startPrivateRedis()]);
  pool = createPool({ connectionString: postgres.url, max: 2 });
  db = createDb(pool);
  edge = await startEdge({
    databaseUrl: postgres.url,
    redisUrl: redis.url,
    prefix: uniquePrefix('edge-outage'),
    env: { DEPENDENCY_CHECK_INTERVAL_MS: '100', DEPENDENCY_CHECK_TIMEOUT_MS: '500', LRU_TTL_MS: '600000' },
  });
}, 120_000);

afterAll(async () => {
  await edge?.app.close();
  await pool?.end().catch(() => undefined);
  await Promise.all([postgres?.destroy(), redis?.destroy()]);
});

async function upGauges(): Promise<Record<string, number>> {
  const text = await edge.deps.metrics.registry.metrics();
  const gauges: Record<string, number> = {};
  for (const match of text.matchAll(/^boltlink_dependency_up\{dependency="(\w+)"[^}]*\} (\d+)$/gm)) {
    gauges[match[1] as string] = Number(match[2]);
  }
  return gauges;
}

describe('edge readiness through a Postgres and Redis outage', () => {
  it('stays ready while it serves, reports the outage in gauges, and turns 503 once shutting down', async () => {
    const userId = await createUser(db);
    const link = await insertLink(db, { userId, url: 'https://through.example/' });
    const redirect = () => edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
    expect((await redirect()).statusCode).toBe(302);
    await expect.poll(upGauges, { timeout: 5000 }).toEqual({ postgres: 1, queueRedis: 1, cacheRedis: 1 });

    await pool.end();
    await Promise.all([postgres.stop(), redis.stop()]);

    await expect.poll(upGauges, { timeout: 5000 }).toEqual({ postgres: 0, queueRedis: 0, cacheRedis: 0 });
    const served = await redirect();
    expect(served.statusCode).toBe(302);
    expect(served.headers.location).toBe('https://through.example/');
    const ready = await edge.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
    expect((await edge.app.inject({ url: '/health/dependencies' })).json()).toMatchObject({
      status: 'degraded',
      dependencies: { postgres: { up: false }, queueRedis: { up: false }, cacheRedis: { up: false } },
    });

    // What SIGTERM does first (installGracefulShutdown): load balancers are told to go before the drain.
    edge.app.markShuttingDown();
    const draining = await edge.app.inject({ url: '/ready' });
    expect(draining.statusCode).toBe(503);
    expect(draining.json()).toEqual({ status: 'unavailable', detail: 'shutting down' });
  }, 60_000);
});
