import { type LocalRedisCluster, startRedisCluster } from '@boltlink/local-servers/redis-cluster';
import { type Job, Queue, Worker } from 'bullmq';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCacheRedis,
  createQueueRedis,
  createSubscriber,
  primaries,
  type RedisClient,
  waitForReady,
} from '../src/clients.ts';
import { createRedisKeys } from '../src/keys.ts';

// A real cluster of six redis-server processes (three primaries, a replica each). The clients are given the
// seed list of the URL only; the slot map and the replicas they learn from the cluster.
const ignore = () => undefined;
let cluster: LocalRedisCluster;
const opened: RedisClient[] = [];

function track<T extends RedisClient>(client: T): T {
  opened.push(client);
  return client;
}

async function until<T>(what: string, attempt: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} not reached after ${timeoutMs} ms (last error: ${String(last)})`);
}

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
}, 60_000);

afterAll(async () => {
  for (const client of opened) client.disconnect();
  await cluster?.stop();
});

describe('Redis Cluster clients', () => {
  it('every role connects through the seed list and sees the three primaries', async () => {
    const clients = [
      track(createCacheRedis(cluster.url, { connectionName: 'cluster-cache', onError: ignore })),
      track(createQueueRedis(cluster.url, 'producer', { onError: ignore })),
      track(createQueueRedis(cluster.url, 'worker', { onError: ignore })),
    ];
    for (const client of clients) {
      expect(client).toBeInstanceOf(Cluster);
      await waitForReady(client);
      expect(await client.ping()).toBe('PONG');
      expect(primaries(client)).toHaveLength(3);
    }
  });

  it("spreads the builder's keys over every primary, and reads and writes them auto-pipelined", async () => {
    const keys = createRedisKeys(`cluster${process.pid}`);
    const cache = track(createCacheRedis(cluster.url, { onError: ignore }));
    await waitForReady(cache);
    const codes = Array.from({ length: 30 }, (_, i) => `code${i}`);
    await Promise.all(codes.map((code) => cache.set(keys.linkCache('example.com', code), code)));
    const reads = await Promise.all(codes.map((code) => cache.get(keys.linkCache('example.com', code))));
    expect(reads).toEqual(codes);
    const owners = new Set<number>();
    for (const code of codes) owners.add((await cluster.primaryOf(keys.linkCache('example.com', code))).port);
    expect(owners.size).toBe(3);
  });

  it('a message published on any node reaches a subscriber', async () => {
    const keys = createRedisKeys(`cluster${process.pid}`);
    const cache = track(createCacheRedis(cluster.url, { onError: ignore }));
    const subscriber = track(createSubscriber(cluster.url, { onError: ignore }));
    await Promise.all([waitForReady(cache), waitForReady(subscriber)]);
    const received: string[] = [];
    subscriber.on('message', (_channel, raw: string) => received.push(raw));
    await subscriber.subscribe(keys.invalidationChannel());
    // PUBLISH from each primary: a cluster forwards every message to every node. Each one arrives once; their
    // order is not kept across nodes (a message published on the subscriber's own node can overtake one still
    // travelling over the cluster bus from another).
    for (const [i, node] of primaries(cache).entries())
      await node.publish(keys.invalidationChannel(), `m${i}`);
    expect(
      (
        await until('three messages', async () => (received.length === 3 ? received : undefined), 5000)
      ).toSorted(),
    ).toEqual(['m0', 'm1', 'm2']);
  });

  it('a BullMQ job makes the round trip before and after its primary crashes and a replica takes over', async () => {
    const prefix = `{cluster${process.pid}}`;
    const producer = track(createQueueRedis(cluster.url, 'producer', { onError: ignore }));
    const workerConnection = track(createQueueRedis(cluster.url, 'worker', { onError: ignore }));
    const cache = track(createCacheRedis(cluster.url, { onError: ignore }));
    await Promise.all([waitForReady(producer), waitForReady(cache)]);
    const queue = new Queue('cluster-round-trip', { connection: producer, prefix });
    const results = new Map<string, unknown>();
    const worker = new Worker(
      'cluster-round-trip',
      async (job: Job<{ n: number }>) => ({ doubled: job.data.n * 2 }),
      { connection: workerConnection, prefix },
    );
    worker.on('error', ignore);
    worker.on('completed', (job, value) => results.set(job.id ?? '', value));
    try {
      await queue.add('double', { n: 21 }, { jobId: 'before' });
      expect(await until('job "before" done', async () => results.get('before'), 10_000)).toEqual({
        doubled: 42,
      });
      const probe = `${prefix}:probe`;
      await cache.set(probe, 'before');

      // The queue's keys all live in the prefix's slot: crash the primary that serves it.
      const primary = await cluster.primaryOf(`${prefix}:cluster-round-trip:id`);
      const failover = await cluster.crashPrimary(primary.port);
      console.info(
        `failover of 127.0.0.1:${primary.port} to ${failover.promotedPort}: ${failover.failoverMs} ms`,
      );
      expect((await cluster.primaryOf(probe)).port).toBe(failover.promotedPort);

      await until(
        'write on the promoted replica',
        async () => (await cache.set(probe, 'after')) ?? undefined,
        15_000,
      );
      expect(await cache.get(probe)).toBe('after');
      await until(
        'enqueue on the promoted replica',
        async () => (await queue.add('double', { n: 50 }, { jobId: 'after' })).id,
        15_000,
      );
      expect(await until('job "after" done', async () => results.get('after'), 20_000)).toEqual({
        doubled: 100,
      });
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 60_000);
});
