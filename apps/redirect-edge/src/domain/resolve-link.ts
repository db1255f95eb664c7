import { LRUCache } from 'lru-cache';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { DestinationBlocklist } from './destination-blocklist.ts';
import type { LinkCache, LinkStore, RedirectLink } from './ports.ts';

/** Postgres could not be asked and no cache layer knew the answer: the edge cannot tell found from unknown. */
export class LinkLookupUnavailableError extends Error {
  override readonly name = 'LinkLookupUnavailableError';
}

/** The link cache did not answer within its read budget; the lookup went on to Postgres. */
export class CacheReadTimeoutError extends Error {
  override readonly name = 'CacheReadTimeoutError';
}

export type LookupSource = 'lru' | 'redis' | 'postgres';

export interface LinkResolverOptions {
  store: LinkStore;
  cache: LinkCache;
  /** 0 disables the in-process layer (used by the benchmark of the Redis-hit path). */
  lruMax: number;
  lruTtlMs: number;
  negativeLruTtlMs: number;
  /**
   * The default short domain: its links are keyed by code alone in the LRU, others by `domain/code` (a code
   * never contains '/', so the two cannot meet). Building a joined key costs more than the lookup itself, and
   * most traffic is on the default domain.
   */
  defaultDomain?: string;
  /** Told which layer answered each lookup (the lookups-by-source counter). */
  onLookup?: (source: LookupSource) => void;
  onCacheError?: (error: unknown) => void;
  /**
   * Longest wait for the link cache before asking Postgres instead (0: as long as the cache client allows). A
   * hung Redis answers nothing, and its command timeout is too long to hold a redirect for.
   */
  cacheReadBudgetMs?: number;
  /** Guards the cache reads: after a failed or late read, lookups skip the cache until a probe succeeds. */
  breaker?: CircuitBreaker;
  /**
   * Applied to each link found, before it is kept in the LRU and answered (never to what is written back to
   * Redis, which stays the shared projection): marks links to blocked destinations.
   */
  blocklist?: Pick<DestinationBlocklist, 'apply'>;
}

export interface LinkResolver {
  /** Synchronous LRU lookup: `undefined` = not in the LRU, `null` = known unknown. */
  peek(domain: string, code: string): RedirectLink | null | undefined;
  /** The full lookup: LRU, then Redis, then Postgres (written back to Redis). Concurrent misses share one load. */
  resolve(domain: string, code: string): Promise<RedirectLink | null>;
  /** Drops the in-process copy (invalidation from the management API). */
  invalidate(domain: string, code: string): void;
  clear(): void;
}

const MISSING = Symbol('missing');
const TTL_RESOLUTION_MS = 50;
type Entry = RedirectLink | typeof MISSING;

interface Flight {
  promise: Promise<RedirectLink | null>;
  /** Set when an invalidation arrives mid-load: the answer is still returned, but not kept in the LRU. */
  stale: boolean;
}

export function createLinkResolver(options: LinkResolverOptions): LinkResolver {
  const { store, cache, onLookup, onCacheError, breaker, blocklist } = options;
  const cacheReadBudgetMs = options.cacheReadBudgetMs ?? 0;
  const lru =
    options.lruMax > 0
      ? new LRUCache<string, Entry>({
          max: options.lruMax,
          ttl: options.lruTtlMs,
          ttlAutopurge: false,
          // lru-cache reuses a clock reading for this long, re-armed by a timer; the 1 ms default means a timer
          // per millisecond under load. Entries may outlive their TTL by this much; invalidations are not
          // affected (they delete).
          ttlResolution: TTL_RESOLUTION_MS,
        })
      : null;
  const inFlight = new Map<string, Flight>();
  const defaultDomain = options.defaultDomain;
  const keyOf = (domain: string, code: string) => (domain === defaultDomain ? code : `${domain}/${code}`);

  function remember(key: string, link: RedirectLink | null): void {
    if (lru === null) return;
    if (link === null) lru.set(key, MISSING, { ttl: options.negativeLruTtlMs });
    else lru.set(key, link);
  }

  async function load(domain: string, code: string): Promise<RedirectLink | null> {
    const ticket = breaker?.acquire() ?? 'pass';
    // With the breaker open the cache is not asked, and not written back to.
    let cacheReachable = ticket !== 'skip';
    if (cacheReachable) {
      try {
        const cached = await withinBudget(cache.get(domain, code), cacheReadBudgetMs);
        breaker?.report(ticket, true);
        if (cached !== undefined) {
          onLookup?.('redis');
          return cached;
        }
      } catch (error) {
        breaker?.report(ticket, false);
        cacheReachable = false;
        onCacheError?.(error);
      }
    }

    let link: RedirectLink | null;
    try {
      link = await store.findLink(domain, code);
    } catch (error) {
      throw new LinkLookupUnavailableError('link store unavailable', { cause: error });
    }
    onLookup?.('postgres');

    if (cacheReachable) {
      // The write-back is not awaited by the caller's answer path beyond this point; a failure only costs
      // the next edge a Postgres read.
      const write = link === null ? cache.setMissing(domain, code) : cache.set(domain, code, link);
      write.catch((error: unknown) => onCacheError?.(error));
    }
    return link;
  }

  return {
    peek(domain, code) {
      if (lru === null) return undefined;
      const entry = lru.get(keyOf(domain, code));
      if (entry === undefined) return undefined;
      onLookup?.('lru');
      return entry === MISSING ? null : entry;
    },

    resolve(domain, code) {
      const key = keyOf(domain, code);
      const entry = lru?.get(key);
      if (entry !== undefined) {
        onLookup?.('lru');
        return Promise.resolve(entry === MISSING ? null : entry);
      }
      const existing = inFlight.get(key);
      if (existing !== undefined) return existing.promise;

      const loaded = load(domain, code);
      const promise =
        blocklist === undefined
          ? loaded
          : loaded.then((link) => (link === null ? null : blocklist.apply(link)));
      const flight: Flight = { promise, stale: false };
      inFlight.set(key, flight);
      flight.promise.then(
        (link) => {
          inFlight.delete(key);
          if (!flight.stale) remember(key, link);
        },
        () => inFlight.delete(key),
      );
      return flight.promise;
    },

    invalidate(domain, code) {
      const key = keyOf(domain, code);
      lru?.delete(key);
      const flight = inFlight.get(key);
      if (flight !== undefined) {
        flight.stale = true;
        inFlight.delete(key);
      }
    },

    clear() {
      lru?.clear();
      for (const flight of inFlight.values()) flight.stale = true;
      inFlight.clear();
    },
  };
}

/** `read`, or a CacheReadTimeoutError once `ms` have passed (0: no bound); a late answer is ignored. */
export function withinBudget<T>(read: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return read;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CacheReadTimeoutError(`link cache did not answer within ${ms} ms`)),
      ms,
    );
    read.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
