import { type PrivateRedis, startPrivateRedis, uniquePrefix } from '@boltlink/testing/redis';
import { afterAll, describe, expect } from 'vitest';
import {
  DOMAIN,
  insertLink,
  metricValue,
  readClickBatches,
  startEdge,
  type TestEdge,
  test,
  waitFor,
} from './support/edge.ts';

let redis: PrivateRedis;
let edge: TestEdge;
let prefix: string;

// A Redis of its own, which the tests stop or freeze; the database is the file's.
test.beforeAll(async ({ database }) => {
  redis = await startPrivateRedis({ appendOnly: true });
  prefix = uniquePrefix('edge-redis-down');
  edge = await startEdge({
    databaseUrl: database.url,
    redisUrl: redis.url,
    prefix,
    env: { CLICK_BUFFER_MAX: '5', CLICK_BATCH_INTERVAL_MS: '10', LRU_TTL_MS: '600000' },
  });
});

afterAll(async () => {
  await edge?.app.close();
  await redis?.destroy();
});

async function dropped(): Promise<number> {
  return metricValue(await edge.deps.metrics.registry.metrics(), 'clicks_dropped_total');
}

describe('with Redis stopped', () => {
  test('keeps redirecting links already in memory, bounds the click buffer and counts what it drops', async ({
    database,
    userId,
  }) => {
    const link = await insertLink(database.db, { userId });
    expect((await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } })).statusCode).toBe(302);
    expect((await edge.app.inject({ url: '/ready' })).statusCode).toBe(200);
    await waitFor(async () => ((await readClickBatches(redis.url, prefix)).length > 0 ? true : undefined));

    await redis.stop();
    expect(await dropped()).toBe(0);

    for (let i = 0; i < 20; i += 1) {
      const res = await edge.app.inject({ url: `/${link.code}`, headers: { host: DOMAIN } });
      expect(res.statusCode).toBe(302);
    }
    // 20 clicks while the queue is unreachable, 5 held in memory: the other 15 are dropped, and counted.
    expect(await dropped()).toBe(15);

    // Unknown codes still get their 404 (the limiter skips, Postgres answers), never a 500.
    const unknown = await edge.app.inject({ url: '/notthere', headers: { host: DOMAIN } });
    expect(unknown.statusCode).toBe(404);
    // A link not in memory is still served from Postgres.
    const fresh = await insertLink(database.db, { userId });
    expect((await edge.app.inject({ url: `/${fresh.code}`, headers: { host: DOMAIN } })).statusCode).toBe(
      302,
    );
    expect(await dropped()).toBe(16);
    // Still serving, so still ready: a Redis outage must not take the edge out of its load balancer.
    expect((await edge.app.inject({ url: '/ready' })).statusCode).toBe(200);

    await redis.start();
    // What the buffer held is enqueued once the queue Redis is back.
    const events = await waitFor(async () => {
      const mine = (await readClickBatches(redis.url, prefix))
        .flatMap((batch) => batch.events)
        .filter((event) => event.linkId === link.id || event.linkId === fresh.id);
      return mine.length >= 6 ? mine : undefined;
    }, 10_000);
    // The click served before the outage plus the 5 held in memory; nothing counted twice.
    expect(events).toHaveLength(6);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(6);
    expect(await dropped()).toBe(16);
  });
});
