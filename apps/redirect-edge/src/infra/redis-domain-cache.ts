import type { RedisClient } from '@boltlink/redis-keys/clients';
import { type CachedDomain, decodeCachedDomain, encodeCachedDomain } from '@boltlink/redis-keys/domain-cache';
import type { RedisKeys } from '@boltlink/redis-keys/keys';
import type { DomainCache } from '../domain/ports.ts';

/**
 * The Redis projection of custom domains, beside the links (CACHE_REDIS_URL), written by the edges on a
 * read-through. Every edge deletes an entry when a change of its domain is announced; the short TTL bounds
 * what survives a change no edge heard (all of them restarting, say), at the price of one indexed Postgres
 * read per custom domain and TTL for the whole fleet.
 */
export function createRedisDomainCache(deps: {
  redis: RedisClient;
  keys: RedisKeys;
  ttlSeconds: number;
}): DomainCache {
  const { redis, keys, ttlSeconds } = deps;
  return {
    async get(hostname) {
      const raw = await redis.get(keys.domainCache(hostname));
      return decodeCachedDomain(raw) ?? undefined;
    },
    async set(value: CachedDomain) {
      await redis.set(keys.domainCache(value.hostname), encodeCachedDomain(value), 'EX', ttlSeconds);
    },
    async delete(hostname) {
      await redis.del(keys.domainCache(hostname));
    },
  };
}
