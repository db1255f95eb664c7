import type { RedisKeys } from '@boltlink/redis-keys/keys';
import { encodeCachedLink, encodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import type { Redis } from 'ioredis';
import type { CacheableLink, LinkCache, LinkRef } from './link-cache.ts';

/** Writes per round trip; a campaign with 100k links is refreshed in bounded pipelines, not one giant one. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = await pipeline.exec();
  for (const [error] of results ?? []) {
    if (error) throw error;
  }
}

/**
 * The Redis link cache shared with the redirect edge. `cache` holds entries; `publisher` carries the
 * invalidation channel the edges subscribe to (their in-process LRU copies must go too).
 */
export function createRedisLinkCache(deps: {
  cache: Redis;
  publisher: Redis;
  keys: RedisKeys;
  ttlSeconds: number;
}): LinkCache {
  const { cache, publisher, keys, ttlSeconds } = deps;

  async function announce(refs: readonly LinkRef[]): Promise<void> {
    for (const part of chunks(refs)) {
      const pipeline = publisher.pipeline();
      for (const ref of part) {
        pipeline.publish(keys.invalidationChannel(), encodeLinkInvalidation(ref));
      }
      await execOrThrow(pipeline);
    }
  }

  return {
    async refresh(links: readonly CacheableLink[]) {
      for (const part of chunks(links)) {
        const pipeline = cache.pipeline();
        for (const link of part) {
          pipeline.set(
            keys.linkCache(link.domain, link.code),
            encodeCachedLink(link.value),
            'EX',
            ttlSeconds,
          );
          pipeline.del(keys.linkNegative(link.domain, link.code));
        }
        await execOrThrow(pipeline);
      }
      await announce(links);
    },

    async invalidate(refs: readonly LinkRef[]) {
      for (const part of chunks(refs)) {
        const pipeline = cache.pipeline();
        for (const ref of part) {
          pipeline.del(keys.linkCache(ref.domain, ref.code), keys.linkNegative(ref.domain, ref.code));
        }
        await execOrThrow(pipeline);
      }
      await announce(refs);
    },
  };
}
