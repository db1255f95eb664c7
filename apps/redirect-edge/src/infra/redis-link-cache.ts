import type { RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys } from '@boltlink/redis-keys/keys';
import { type CachedLink, decodeCachedLink, encodeCachedLink } from '@boltlink/redis-keys/link-cache';
import { LRUCache } from 'lru-cache';
import type { LinkCache } from '../domain/ports.ts';

/**
 * The Redis projection of links. Positive and negative entries share the `{domain/code}` hash tag; they are
 * read one after the other rather than together, so the common case (a cached link) costs one GET.
 * Write-backs use NX: when the management API has written a fresher value since our Postgres read, ours
 * loses; the bounded TTL limits the window where a stale read-through can survive an API delete.
 *
 * Every read still asks Redis. What is remembered is the decoding of the bytes it answered: parsing and
 * validating the JSON costs more than the rest of a Redis-hit redirect, and the same bytes always decode to
 * the same link. A changed link is different bytes, so this never serves anything Redis did not just return.
 * The decoded link is shared between requests, as LRU entries are (links are never mutated).
 */
const DECODED_MAX_ENTRIES = 1000;
/** Longer values (long destinations, many UTM parameters) are decoded every time rather than held. */
const DECODED_MAX_LENGTH = 4096;

export function createRedisLinkCache(deps: {
  redis: RedisClient;
  keys: RedisKeys;
  ttlSeconds: number;
  negativeTtlSeconds: number;
}): LinkCache {
  const { redis, keys, ttlSeconds, negativeTtlSeconds } = deps;
  const decoded = new LRUCache<string, CachedLink>({ max: DECODED_MAX_ENTRIES });

  function decode(raw: string): CachedLink | null {
    const known = decoded.get(raw);
    if (known !== undefined) return known;
    const link = decodeCachedLink(raw);
    if (link !== null && raw.length <= DECODED_MAX_LENGTH) decoded.set(raw, link);
    return link;
  }

  return {
    async get(domain, code) {
      const key = keys.linkCache(domain, code);
      const raw = await redis.get(key);
      if (raw !== null) {
        const link = decode(raw);
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
