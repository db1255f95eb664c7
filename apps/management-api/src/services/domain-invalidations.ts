import type { RedisClient } from '@boltlink/redis-keys/clients';
import { publishDomainInvalidation } from '@boltlink/redis-keys/domain-invalidation';
import type { RedisKeys } from '@boltlink/redis-keys/keys';

/** Tells every edge that a custom domain changed (added, verified, redirects changed, removed). */
export interface DomainInvalidations {
  publish(hostname: string): Promise<void>;
}

/** On the cache Redis, beside the link invalidations, where the edges subscribe. */
export function createRedisDomainInvalidations(deps: {
  publisher: RedisClient;
  keys: RedisKeys;
}): DomainInvalidations {
  return {
    async publish(hostname) {
      await publishDomainInvalidation(deps.publisher, deps.keys, hostname);
    },
  };
}
