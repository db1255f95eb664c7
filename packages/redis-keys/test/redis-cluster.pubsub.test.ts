import { type LocalRedisCluster, startRedisCluster } from '@boltlink/local-servers/redis-cluster';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheRedis, createSubscriber, type RedisClient, waitForReady } from '../src/clients.ts';
import { createRedisKeys } from '../src/keys.ts';

// A cluster of its own: the test crashes whichever node carries the subscription.
let cluster: LocalRedisCluster;
const opened: RedisClient[] = [];
const ignore = () => undefined;

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 1000, appendOnly: false });
}, 60_000);

afterAll(async () => {
  for (const client of opened) client.disconnect();
  await cluster?.stop();
});

/** The port of the node whose CLIENT LIST shows the named subscription connection. */
async function subscriptionPort(connectionName: string): Promise<number | undefined> {
  for (const server of cluster.servers) {
    const admin = new Redis(server.port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null });
    admin.on('error', ignore);
    try {
      await admin.connect();
      const list = String(await admin.client('LIST'));
      if (list.includes(`name=ioredis-cluster(subscriber):${connectionName} `)) return server.port;
    } catch {
      // A node already gone.
    } finally {
      admin.disconnect();
    }
  }
  return undefined;
}

describe('pub/sub on a Redis Cluster', () => {
  it('the subscription moves to another node when its node crashes, and messages arrive again', async () => {
    const keys = createRedisKeys(`cluster-pubsub${process.pid}`);
    const subscriber = createSubscriber(cluster.url, {
      connectionName: 'edge-invalidations',
      onError: ignore,
    });
    const publisher = createCacheRedis(cluster.url, { onError: ignore });
    opened.push(subscriber, publisher);
    await Promise.all([waitForReady(subscriber), waitForReady(publisher)]);
    const received: string[] = [];
    subscriber.on('message', (_channel, raw: string) => received.push(raw));
    await subscriber.subscribe(keys.invalidationChannel());
    await publisher.publish(keys.invalidationChannel(), 'before');
    await expect.poll(() => received, { timeout: 5000 }).toContain('before');

    const port = await subscriptionPort('edge-invalidations');
    if (port === undefined) throw new Error('no node shows the subscription');
    const node = (await cluster.nodes()).find((candidate) => candidate.port === port);
    if (node?.role === 'primary') await cluster.crashPrimary(port);
    else await cluster.crashReplica(port);

    // Messages published while the subscription moves are lost (an edge's LRU TTL bounds what that costs);
    // once it is on its new node, every message arrives again.
    await expect
      .poll(
        async () => {
          await publisher.publish(keys.invalidationChannel(), 'after').catch(ignore);
          return received;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toContain('after');
    const moved = await subscriptionPort('edge-invalidations');
    expect(moved).toBeDefined();
    expect(moved).not.toBe(port);
  }, 60_000);
});
