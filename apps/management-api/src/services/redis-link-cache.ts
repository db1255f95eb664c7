import { execPipelined, type RedisClient } from '@boltlink/redis-keys/clients';
import type { RedisKeys } from '@boltlink/redis-keys/keys';
import { encodeCachedLink, encodeLinkInvalidation } from '@boltlink/redis-keys/link-cache';
import type { CacheableLink, LinkCache, LinkRef } from './link-cache.ts';

/** Writes per round trip; a campaign with 100k links is refreshed in bounded pipelines, not one giant one. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

async function execOrThrow(pipeline: ReturnType<RedisClient['pipeline']>): Promise<void> {
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
  cache: RedisClient;
  publisher: RedisClient;
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
        // A link's entry and its "unknown code" marker share the link's hash tag (one slot on a Cluster).
        await execPipelined(cache, part, (pipeline, link) => {
          pipeline.set(
            keys.linkCache(link.domain, link.code),
            encodeCachedLink(link.value),
            'EX',
            ttlSeconds,
          );
          pipeline.del(keys.linkNegative(link.domain, link.code));
        });
      }
      await announce(links);
    },

    async invalidate(refs: readonly LinkRef[]) {
      for (const part of chunks(refs)) {
        await execPipelined(cache, part, (pipeline, ref) => {
          pipeline.del(keys.linkCache(ref.domain, ref.code), keys.linkNegative(ref.domain, ref.code));
        });
      }
      await announce(refs);
    },
  };
}
