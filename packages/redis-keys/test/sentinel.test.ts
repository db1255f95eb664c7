import { type LocalRedis, startRedis } from '@boltlink/local-servers/redis';
import { type LocalSentinel, startSentinel } from '@boltlink/local-servers/sentinel';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCacheRedis,
  createQueueRedis,
  createSubscriber,
  type RedisClient,
  waitForReady,
} from '../src/clients.ts';
import { createRedisKeys } from '../src/keys.ts';

// Real servers: a master, a replica of it, and one Sentinel (quorum 1) that knows both. The clients are
// given only the Sentinel's address; everything they reach beyond it, they found through Sentinel.
const MASTER_NAME = 'boltlink-test';
const ignore = () => undefined;

let master: LocalRedis;
let replica: LocalRedis;
let sentinel: LocalSentinel;
const opened: RedisClient[] = [];

/** Tracks a client for closing; a Sentinel URL always gives a single-server client. */
function track(client: RedisClient): Redis {
  opened.push(client);
  if (!(client instanceof Redis)) throw new Error('a Sentinel URL gave a Redis Cluster client');
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
  [master, replica] = await Promise.all([
    startRedis({ appendOnly: false }),
    startRedis({ appendOnly: false }),
  ]);
  const admin = new Redis(replica.url, { lazyConnect: true });
  try {
    await admin.replicaof('127.0.0.1', master.port);
    await until(
      'replication link up',
      async () => ((await admin.info('replication')).includes('master_link_status:up') ? true : undefined),
      10_000,
    );
  } finally {
    admin.disconnect();
  }
  // Started after replication is up, so its first INFO of the master already lists the replica.
  sentinel = await startSentinel({
    monitor: { name: MASTER_NAME, port: master.port },
    downAfterMs: 1_000,
    failoverTimeoutMs: 5_000,
  });
}, 60_000);

afterAll(async () => {
  for (const client of opened) client.disconnect();
  await Promise.all([sentinel?.stop(), master?.stop(), replica?.stop()]);
});

describe('Redis behind Sentinel', () => {
  it('the URL names only the Sentinel, and each factory reaches the master through it', async () => {
    expect(sentinel.url).toBe(`redis-sentinel://127.0.0.1:${sentinel.port}/${MASTER_NAME}`);
    const clients = [
      track(createCacheRedis(sentinel.url, { connectionName: 'sentinel-cache', onError: ignore })),
      track(createQueueRedis(sentinel.url, 'producer', { onError: ignore })),
      track(createQueueRedis(sentinel.url, 'worker', { onError: ignore })),
    ];
    for (const client of clients) {
      await waitForReady(client);
      expect(client.stream.remotePort).toBe(master.port);
      expect(await client.role()).toEqual(expect.arrayContaining(['master']));
    }
  });

  it('the cache client reads and writes, auto-pipelined, and invalidations reach a subscriber', async () => {
    const keys = createRedisKeys(`sentinel${process.pid}`);
    const cache = track(createCacheRedis(sentinel.url, { onError: ignore }));
    const subscriber = track(createSubscriber(sentinel.url, { onError: ignore }));
    await waitForReady(cache);
    await cache.set(keys.linkCache('example.com', 'abc'), 'cached');
    const reads = await Promise.all(
      Array.from({ length: 50 }, (_, i) => cache.get(keys.linkCache('example.com', i % 2 ? 'abc' : 'zzz'))),
    );
    expect(reads.filter((value) => value === 'cached')).toHaveLength(25);
    expect(reads.filter((value) => value === null)).toHaveLength(25);

    const received = new Promise<string>((resolve) =>
      subscriber.on('message', (_channel, raw) => resolve(raw)),
    );
    await subscriber.subscribe(keys.invalidationChannel());
    await cache.publish(keys.invalidationChannel(), 'hello');
    expect(await received).toBe('hello');
  });

  it('a BullMQ job makes the round trip over Sentinel-resolved connections, before and after a failover', async () => {
    const prefix = `{sentinel${process.pid}}`;
    const producer = track(createQueueRedis(sentinel.url, 'producer', { onError: ignore }));
    const workerConnection = track(createQueueRedis(sentinel.url, 'worker', { onError: ignore }));
    const cache = track(createCacheRedis(sentinel.url, { onError: ignore }));
    await Promise.all([waitForReady(producer), waitForReady(cache)]);
    const queue = new Queue('sentinel-round-trip', { connection: producer, prefix });
    const results = new Map<string, unknown>();
    const worker = new Worker(
      'sentinel-round-trip',
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

      // Failover: the master dies; Sentinel promotes the replica and every client follows it.
      await master.kill();
      const promoted = await until(
        'promotion of the replica',
        async () => {
          await cache.set('sentinel:probe', 'after');
          return cache.stream.remotePort === replica.port ? true : undefined;
        },
        30_000,
      );
      expect(promoted).toBe(true);
      expect(await cache.get('sentinel:probe')).toBe('after');

      await until(
        'enqueue on the new master',
        async () => {
          await queue.add('double', { n: 50 }, { jobId: 'after' });
          return true;
        },
        15_000,
      );
      expect(producer.stream.remotePort).toBe(replica.port);
      expect(await until('job "after" done', async () => results.get('after'), 20_000)).toEqual({
        doubled: 100,
      });
      expect(workerConnection.stream.remotePort).toBe(replica.port);
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 90_000);
});
