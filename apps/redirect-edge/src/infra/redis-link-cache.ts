import type { RedisKeys } from '@boltlink/redis-keys/keys';
import { decodeCachedLink, encodeCachedLink } from '@boltlink/redis-keys/link-cache';
import type { Redis } from 'ioredis';
import type { LinkCache } from '../domain/ports.ts';

/**
 * The Redis projection of links. Positive and negative entries share the `{domain/code}` hash tag; they are
 * read one after the other rather than together, so the common case (a cached link) costs one GET.
 * Write-backs use NX: when the management API has written a fresher value since our Postgres read, ours
 * loses; the bounded TTL limits the window where a stale read-through can survive an API delete.
 */
export function createRedisLinkCache(deps: {
  redis: Redis;
  keys: RedisKeys;
  ttlSeconds: number;
  negativeTtlSeconds: number;
}): LinkCache {
  const { redis, keys, ttlSeconds, negativeTtlSeconds } = deps;
  return {
    async get(domain, code) {
      const key = keys.linkCache(domain, code);
      const raw = await redis.get(key);
      if (raw !== null) {
        const link = decodeCachedLink(raw);
        if (link !== null) return link;
        // Undecodable (corrupt, or written by an incompatible build): a miss, and removed so the NX write-back
        // of the Postgres answer can replace it instead of every request falling through to Postgres.
        redis.del(key).catch(() => undefined);
        return undefined;
      }
      const missing = await redis.exists(keys.linkNegative(domain, code));
      return missing === 1 ? null : undefined;
    },
    async set(domain, code, link) {
      await redis.set(keys.linkCache(domain, code), encodeCachedLink(link), 'EX', ttlSeconds, 'NX');
    },
    async setMissing(domain, code) {
      await redis.set(keys.linkNegative(domain, code), '1', 'EX', negativeTtlSeconds);
    },
  };
}
