import type { CachedLink } from '@boltlink/redis-keys/link-cache';

/** What the edge needs to find a link in the cache. */
export interface LinkRef {
  domain: string;
  code: string;
}

export interface CacheableLink extends LinkRef {
  value: CachedLink;
}

/**
 * The port through which every management write reaches the redirect edges. Called only after the
 * Postgres write committed, so an edge that misses the cache reads the new row.
 */
export interface LinkCache {
  /** Stores the fresh projection, drops any negative entry, and tells every edge to drop its copy. */
  refresh(links: readonly CacheableLink[]): Promise<void>;
  /** Removes the entries (deleted link, changed campaign, moved domain) and tells every edge. */
  invalidate(refs: readonly LinkRef[]): Promise<void>;
}
