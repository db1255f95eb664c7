import { startPrivateRedis, testRedisUrl, uniquePrefix } from '@boltlink/testing/redis';
import { describe, expect, it } from 'vitest';
import { createCacheRedis, createQueueRedis, createSubscriber, waitForReady } from '../src/clients.ts';
import { createRedisKeys } from '../src/keys.ts';
import { decodeLinkInvalidation, encodeLinkInvalidation } from '../src/link-cache-value.ts';

const ignore = () => undefined;

describe('client presets', () => {
  it('configure each role as documented', () => {
    const cache = createCacheRedis(testRedisUrl(), { lazyConnect: true });
    const producer = createQueueRedis(testRedisUrl(), 'producer', { lazyConnect: true });
    const worker = createQueueRedis(testRedisUrl(), 'worker', { lazyConnect: true });
    const subscriber = createSubscriber(testRedisUrl(), { lazyConnect: true });
    expect(cache.options).toMatchObject({
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    expect(producer.options).toMatchObject({ enableAutoPipelining: false, enableOfflineQueue: false });
    expect(worker.options).toMatchObject({ enableAutoPipelining: false, maxRetriesPerRequest: null });
    expect(subscriber.options).toMatchObject({ enableOfflineQueue: true, autoResubscribe: true });
    for (const client of [cache, producer, worker, subscriber]) client.disconnect();
  });
});

describe('cache connection', () => {
  it('fails fast while Redis is down and heals when it returns', async () => {
    const own = await startPrivateRedis();
    const cache = createCacheRedis(own.url, { onError: ignore });
    const key = createRedisKeys(uniquePrefix('redis-keys')).linkCache('example.com', 'abc');
    try {
      await waitForReady(cache);
      await cache.set(key, 'value');
      expect(await cache.get(key)).toBe('value');

      await own.stop();
      // No offline queue: the command is refused at once ("enableOfflineQueue" or "Connection is closed"), not
      // parked until the 500 ms command timeout ("Command timed out").
      await expect(cache.get(key)).rejects.toThrow(/enableOfflineQueue|Connection is closed/);

      await own.start();
      await waitForReady(cache, 10_000);
      await cache.set(key, 'again');
      expect(await cache.get(key)).toBe('again');
    } finally {
      cache.disconnect();
      await own.destroy();
    }
  }, 30_000);

  it('serves many concurrent lookups through auto-pipelining', async () => {
    const cache = createCacheRedis(testRedisUrl());
    try {
      await waitForReady(cache);
      const keys = createRedisKeys(uniquePrefix('redis-keys'));
      await cache.set(keys.linkCache('d', 'c1'), 'one');
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => cache.get(keys.linkCache('d', i % 2 === 0 ? 'c1' : 'missing'))),
      );
      expect(results.filter((value) => value === 'one')).toHaveLength(100);
      expect(results.filter((value) => value === null)).toHaveLength(100);
    } finally {
      cache.disconnect();
    }
  });
});

describe('waitForReady', () => {
  it('rejects when Redis never answers', async () => {
    const nowhere = createCacheRedis('redis://127.0.0.1:1', { lazyConnect: true, onError: ignore });
    try {
      await expect(waitForReady(nowhere, 300)).rejects.toThrow(/not ready after 300 ms/);
    } finally {
      nowhere.disconnect();
    }
  });
});

describe('subscriber', () => {
  it('receives invalidations published on the channel', async () => {
    const keys = createRedisKeys(uniquePrefix('redis-keys'));
    const subscriber = createSubscriber(testRedisUrl());
    const publisher = createCacheRedis(testRedisUrl());
    try {
      const received = new Promise<string>((resolve) =>
        subscriber.on('message', (_channel, raw) => resolve(raw)),
      );
      await subscriber.subscribe(keys.invalidationChannel());
      await waitForReady(publisher);
      await publisher.publish(keys.invalidationChannel(), encodeLinkInvalidation({ domain: 'd', code: 'c' }));
      expect(decodeLinkInvalidation(await received)).toEqual({ v: 1, domain: 'd', code: 'c' });
    } finally {
      subscriber.disconnect();
      publisher.disconnect();
    }
  });
});
