import { ping } from '@boltlink/local-servers/redis';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { startPrivateRedis, testRedisUrl, uniquePrefix } from '../src/redis.ts';

describe('shared test Redis', () => {
  it('answers at testRedisUrl() and is safe for BullMQ (noeviction)', async () => {
    const redis = new Redis(testRedisUrl());
    try {
      expect(await redis.ping()).toBe('PONG');
      const info = await redis.info('memory');
      expect(info).toMatch(/maxmemory_policy:noeviction/);
    } finally {
      redis.disconnect();
    }
  });

  it('uniquePrefix() differs per call and carries the label and the run id', () => {
    const { runId } = inject('boltlinkTest');
    const a = uniquePrefix('Links API');
    const b = uniquePrefix('Links API');
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^blt-links-api-${runId}-[a-z0-9]{6}$`));
  });
});

describe('startPrivateRedis', () => {
  it('stops and comes back on the same URL with its data', async () => {
    const server = await startPrivateRedis();
    const client = () =>
      new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    try {
      const before = client();
      await before.connect();
      await before.set('kept', 'yes');
      before.disconnect();

      await server.stop();
      await expect(ping(server.port)).rejects.toThrow(/ECONNREFUSED/);

      await server.start();
      const after = client();
      await after.connect();
      expect(await after.get('kept')).toBe('yes');
      after.disconnect();
    } finally {
      await server.destroy();
    }
  });

  it('takes the eviction policy it is given (to test the readiness check that refuses it)', async () => {
    const server = await startPrivateRedis({ maxmemoryPolicy: 'allkeys-lru' });
    const redis = new Redis(server.url);
    try {
      expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
    } finally {
      redis.disconnect();
      await server.destroy();
    }
  });
});
