import { type PrivateRedis, startPrivateRedis, uniquePrefix } from '@boltlink/testing/redis';
import { afterAll, describe, expect } from 'vitest';
import {
  capturingLogger,
  DOMAIN,
  insertLink,
  metricValue,
  startEdge,
  type TestEdge,
  test,
  waitFor,
} from './support/edge.ts';

let redis: PrivateRedis;
let edge: TestEdge;
const log = capturingLogger('warn');

// A Redis of its own, which the tests stop or freeze; the database is the file's.
test.beforeAll(async ({ database }) => {
  redis = await startPrivateRedis({ appendOnly: false });
  edge = await startEdge({
    databaseUrl: database.url,
    redisUrl: redis.url,
    prefix: uniquePrefix('edge-redis-hung'),
    logger: log.logger,
    // No in-process LRU: every redirect is a cache-missing one and asks the link cache (or skips it).
    // A budget below the 500 ms command timeout (so the budget is what cuts the frozen read), with room for a
    // loaded test host's healthy reads.
    env: { LRU_MAX_ENTRIES: '0', CACHE_BREAKER_COOLDOWN_MS: '1000', CACHE_READ_BUDGET_MS: '300' },
  });
});

afterAll(async () => {
  redis?.resume();
  await edge?.app.close();
  await redis?.destroy();
});

async function metric(name: string): Promise<number> {
  return metricValue(await edge.deps.metrics.registry.metrics(), name);
}

async function lookups(source: string): Promise<number> {
  const body = await edge.deps.metrics.registry.metrics();
  const line = body.split('\n').find((l) => l.startsWith(`link_lookups_total{source="${source}"}`));
  return Number(line?.slice(line.lastIndexOf(' ') + 1) ?? Number.NaN);
}

describe('with the link-cache Redis hung (SIGSTOP)', () => {
  test('opens the breaker, answers from Postgres without asking Redis, and closes after a probe once Redis answers', async ({
    database,
    userId,
  }) => {
    const links = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        insertLink(database.db, { userId, url: `https://example.com/hung-${i}` }),
      ),
    );
    const redirect = (code: string) => edge.app.inject({ url: `/${code}`, headers: { host: DOMAIN } });
    // Healthy: cached in Redis by the first redirect, answered by Redis after that.
    for (const link of links) expect((await redirect(link.code)).statusCode).toBe(302);
    const redisBefore = await lookups('redis');
    for (const link of links) expect((await redirect(link.code)).statusCode).toBe(302);
    expect(await lookups('redis')).toBe(redisBefore + links.length);
    expect(await metric('link_cache_breaker_state')).toBe(0);

    // Count what reaches the cache connection from here on.
    const cacheRedis = edge.deps.cacheRedis;
    const get = cacheRedis.get.bind(cacheRedis);
    let cacheReads = 0;
    cacheRedis.get = ((...args: Parameters<typeof get>) => {
      cacheReads += 1;
      return get(...args);
    }) as typeof cacheRedis.get;

    redis.pause();
    try {
      // The first read gets no answer within its budget: the breaker opens and Postgres answers.
      const first = await redirect(links[0]?.code ?? '');
      expect(first.statusCode).toBe(302);
      expect(first.headers.location).toBe('https://example.com/hung-0');
      expect(cacheReads).toBe(1);
      expect(await metric('link_cache_breaker_state')).toBe(1);
      expect(await metric('link_cache_breaker_opens_total')).toBe(1);

      // While open: every redirect is right, from Postgres, and Redis is not asked.
      const postgresBefore = edge.storeLookups();
      for (let round = 0; round < 4; round += 1) {
        const answers = await Promise.all(links.map((link) => redirect(link.code)));
        answers.forEach((res, i) => {
          expect(res.statusCode).toBe(302);
          expect(res.headers.location).toBe(`https://example.com/hung-${i}`);
        });
      }
      expect(cacheReads).toBe(1);
      expect(edge.storeLookups()).toBe(postgresBefore + 4 * links.length);
    } finally {
      redis.resume();
    }

    // After the cooldown one lookup probes Redis; it answers, the breaker closes and Redis serves again.
    await waitFor(
      async () => {
        await redirect(links[1]?.code ?? '');
        return (await metric('link_cache_breaker_state')) === 0 ? true : undefined;
      },
      10_000,
      100,
    );
    const redisAfter = await lookups('redis');
    for (const link of links) expect((await redirect(link.code)).statusCode).toBe(302);
    expect(await lookups('redis')).toBe(redisAfter + links.length);
    expect(await metric('link_cache_breaker_opens_total')).toBe(1);
    // One line when it opened, one when it closed: not one per skipped lookup.
    const breakerLines = log.lines().filter((line) => String(line.msg).includes('link cache Redis'));
    expect(breakerLines.map((line) => line.level)).toEqual([40]);
  }, 60_000);
});
