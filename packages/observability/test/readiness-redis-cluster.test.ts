import {
  createCacheRedis,
  createQueueRedis,
  primaries,
  type RedisClient,
  waitForReady,
} from '@boltlink/redis-keys/clients';
import {
  type LocalRedisCluster,
  redisClusterUnavailable,
  startRedisCluster,
} from '@boltlink/testing/redis-cluster';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueRedisCheck, redisCheck } from '../src/health.ts';

// The dependency checks against a real Redis Cluster of six servers: every primary must answer.
const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`Redis Cluster readiness tests skipped: ${unavailable}`);

let cluster: LocalRedisCluster;
const opened: RedisClient[] = [];
const ignore = () => undefined;

beforeAll(async () => {
  if (unavailable) return;
  cluster = await startRedisCluster({ appendOnly: false });
}, 60_000);

afterAll(async () => {
  for (const client of opened) client.disconnect();
  await cluster?.stop();
});

describe.skipIf(unavailable !== undefined)('dependency checks on a Redis Cluster', () => {
  it('pass when every primary answers and keeps noeviction', async () => {
    const cache = createCacheRedis(cluster.url, { onError: ignore });
    const queue = createQueueRedis(cluster.url, 'worker', { onError: ignore });
    opened.push(cache, queue);
    await Promise.all([waitForReady(cache), waitForReady(queue)]);
    await expect(redisCheck(cache)()).resolves.toBeUndefined();
    await expect(queueRedisCheck(queue)()).resolves.toBeUndefined();
  });

  it('fail when one primary of three may evict queued jobs', async () => {
    const queue = createQueueRedis(cluster.url, 'worker', { onError: ignore });
    opened.push(queue);
    await waitForReady(queue);
    const [, second] = primaries(queue);
    if (!second) throw new Error('the cluster has fewer than two primaries');
    await second.config('SET', 'maxmemory-policy', 'allkeys-lru');
    try {
      await expect(queueRedisCheck(queue)()).rejects.toThrow(/maxmemory-policy "allkeys-lru"/);
    } finally {
      await second.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('fail, instead of passing on no primary at all, before the client has the slot map', async () => {
    const lazy = createCacheRedis(cluster.url, { lazyConnect: true, onError: ignore });
    opened.push(lazy);
    await expect(redisCheck(lazy)()).rejects.toThrow(/no primary known yet/);
  });
});
