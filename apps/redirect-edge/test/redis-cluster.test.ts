import { createPool } from '@boltlink/db/client';
import { links } from '@boltlink/db/schema';
import { createMetricsRegistry } from '@boltlink/observability/metrics';
import {
  createCacheRedis,
  createQueueRedis,
  type RedisClient,
  waitForReady,
} from '@boltlink/redis-keys/clients';
import { createRedisKeys } from '@boltlink/redis-keys/keys';
import { uniquePrefix } from '@boltlink/testing/redis';
import {
  type LocalRedisCluster,
  redisClusterUnavailable,
  startRedisCluster,
} from '@boltlink/testing/redis-cluster';
import type { Worker } from 'bullmq';
import { eq } from 'drizzle-orm';
import type { Pool } from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect } from 'vitest';
// The consumer's own worker and the API's cache writer: what they write on a cluster must be what the edge reads.
import { createConsumerMetrics } from '../../analytics-consumer/src/metrics.ts';
import { createClicksWorker } from '../../analytics-consumer/src/workers/clicks-worker.ts';
import { toCacheable } from '../../management-api/src/services/link-view.ts';
import { createRedisLinkCache } from '../../management-api/src/services/redis-link-cache.ts';
import { DOMAIN, insertLink, startEdge, type TestEdge, test, waitFor } from './support/edge.ts';

// Every Redis role of the edge (cache, state, queue, subscriber) on one real Redis Cluster of six servers.
const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`Redis Cluster tests skipped: ${unavailable}`);

let cluster: LocalRedisCluster;
const opened: RedisClient[] = [];
const edges: TestEdge[] = [];

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startRedisCluster();
}, 60_000);

afterAll(async () => {
  await Promise.all(edges.map((edge) => edge.app.close()));
  for (const client of opened) client.disconnect();
  await cluster?.stop();
});

async function clusterEdge(databaseUrl: string, env: Record<string, string> = {}) {
  const prefix = uniquePrefix('edge-cluster');
  const edge = await startEdge({ databaseUrl, redisUrl: cluster.url, prefix, env });
  edges.push(edge);
  const cache = createCacheRedis(cluster.url);
  opened.push(cache);
  await waitForReady(cache);
  return { edge, prefix, keys: createRedisKeys(prefix), cache };
}

const redirect = (edge: TestEdge, code: string, headers: Record<string, string> = {}) =>
  edge.app.inject({ url: `/${code}`, headers: { host: DOMAIN, ...headers } });

describe.skipIf(unavailable !== undefined)('the redirect edge on a Redis Cluster', () => {
  test('fills the link cache on the cluster, and the next edge redirects from it without Postgres', async ({
    database,
    userId,
  }) => {
    // No in-process LRU: every lookup after the first must come from the cluster.
    const { edge, keys, cache } = await clusterEdge(database.url, { LRU_MAX_ENTRIES: '0' });
    const created = await Promise.all(Array.from({ length: 12 }, () => insertLink(database.db, { userId })));
    for (const link of created) expect((await redirect(edge, link.code)).statusCode).toBe(302);
    expect(edge.storeLookups()).toBe(12);

    const owners = new Set<number>();
    for (const link of created) {
      expect(await cache.get(keys.linkCache(DOMAIN, link.code))).not.toBeNull();
      owners.add((await cluster.primaryOf(keys.linkCache(DOMAIN, link.code))).port);
    }
    // Twelve links hash to slots on more than one primary: the reads cross the cluster.
    expect(owners.size).toBeGreaterThan(1);
    for (const link of created) {
      const res = await redirect(edge, link.code);
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe('https://example.com/landing');
    }
    expect(edge.storeLookups()).toBe(12);
  });

  test("sends visitors to a link's new destination as soon as the API refreshes the cache", async ({
    database,
    userId,
  }) => {
    const { edge, keys, cache } = await clusterEdge(database.url);
    const created = await Promise.all(Array.from({ length: 8 }, () => insertLink(database.db, { userId })));
    for (const link of created)
      expect((await redirect(edge, link.code)).headers.location).toBe('https://example.com/landing');

    // What the API does on an edit: Postgres first, then the cache entries and the invalidation message,
    // several links in one refresh (their keys on different primaries).
    const updated = [];
    for (const link of created) {
      const [row] = await database.db
        .update(links)
        .set({ url: `https://example.com/moved/${link.code}` })
        .where(eq(links.id, link.id))
        .returning();
      if (row) updated.push(row);
    }
    const linkCache = createRedisLinkCache({ cache, publisher: cache, keys, ttlSeconds: 600 });
    await linkCache.refresh(updated.map((row) => toCacheable(row, null)));

    for (const link of created) {
      const location = await waitFor(async () => {
        const res = await redirect(edge, link.code);
        return res.headers.location === `https://example.com/moved/${link.code}`
          ? res.headers.location
          : undefined;
      });
      expect(location).toBe(`https://example.com/moved/${link.code}`);
    }
    await linkCache.invalidate(updated.map((row) => ({ domain: row.domain, code: row.code })));
    for (const link of created) expect(await cache.get(keys.linkCache(DOMAIN, link.code))).toBeNull();
  });

  test('a click cap lets exactly its number of visitors through, however many arrive at once', async ({
    database,
    userId,
  }) => {
    const { edge } = await clusterEdge(database.url);
    const capped = await Promise.all(
      Array.from({ length: 3 }, () => insertLink(database.db, { userId, maxClicks: 4 })),
    );
    for (const link of capped) {
      const answers = await Promise.all(
        Array.from({ length: 15 }, () =>
          redirect(edge, link.code, {
            'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0',
          }),
        ),
      );
      expect(answers.filter((res) => res.statusCode === 302)).toHaveLength(4);
    }
  });

  test('limits unknown codes per client across the cluster', async ({ database }) => {
    const { edge } = await clusterEdge(database.url, { NOT_FOUND_RATE_LIMIT_MAX: '3' });
    const statuses = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await redirect(edge, `missing${i}`)).statusCode);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
  });

  test('every served click reaches Postgres through the queue on the cluster and the real clicks worker', async ({
    database,
    userId,
  }) => {
    const { edge, prefix } = await clusterEdge(database.url, { CLICK_BATCH_INTERVAL_MS: '20' });
    const pool: Pool = createPool({ connectionString: database.url, max: 2 });
    let worker: Worker | undefined;
    try {
      const connection = createQueueRedis(cluster.url, 'worker');
      opened.push(connection);
      worker = createClicksWorker(
        {
          pool,
          metrics: createConsumerMetrics(createMetricsRegistry('test-consumer', { defaultMetrics: false })),
          logger: pino({ level: 'silent' }),
        },
        { connection, prefix: `{${prefix}}`, concurrency: 2 },
      );
      await worker.waitUntilReady();
      const created = await Promise.all(Array.from({ length: 6 }, () => insertLink(database.db, { userId })));
      let served = 0;
      for (let round = 0; round < 10; round += 1) {
        for (const link of created) if ((await redirect(edge, link.code)).statusCode === 302) served += 1;
      }
      expect(served).toBe(60);
      const counted = await waitFor(
        async () => {
          const { rows } = await pool.query<{ n: string }>(
            'SELECT count(*) AS n FROM click_events WHERE link_id = ANY($1)',
            [created.map((link) => link.id)],
          );
          return Number(rows[0]?.n) === served ? Number(rows[0]?.n) : undefined;
        },
        20_000,
        100,
      );
      expect(counted).toBe(served);
    } finally {
      await worker?.close();
      await pool.end();
    }
  });
});
