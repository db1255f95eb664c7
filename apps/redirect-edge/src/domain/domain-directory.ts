import type { CachedDomain } from '@boltlink/redis-keys/domain-cache';
import { LRUCache } from 'lru-cache';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { DomainCache, DomainStore } from './ports.ts';
import { withinBudget } from './resolve-link.ts';

/** The domain a request is served as: whose links it reaches, and where `/` and unknown codes go. */
export interface ServedDomain {
  /** `links.domain` of the links served on this host. */
  name: string;
  /** A workspace's verified domain (false: an instance domain from SHORT_DOMAINS, or the default). */
  custom: boolean;
  /** Where `/` redirects; null = BoltLink's default answer (404). */
  rootRedirectUrl: string | null;
  /** Where an unknown code redirects; null = BoltLink's own not-found page. */
  notFoundRedirectUrl: string | null;
}

/** Neither Redis nor Postgres could say whether a host is a custom domain, and no copy of it was kept. */
export class DomainLookupUnavailableError extends Error {
  override readonly name = 'DomainLookupUnavailableError';
}

export interface DomainDirectoryOptions {
  /** SHORT_DOMAINS, lower-cased (host[:port]); the first is the default domain. */
  shortDomains: readonly string[];
  defaultDomain: string;
  /** ROOT_REDIRECT_URL / NOT_FOUND_REDIRECT_URL: the instance domains' settings. */
  rootRedirectUrl?: string;
  notFoundRedirectUrl?: string;
  store: DomainStore;
  cache: DomainCache;
  lruTtlMs: number;
  negativeLruTtlMs: number;
  cacheReadBudgetMs?: number;
  /** The link cache's breaker: domains are cached in the same Redis. */
  breaker?: CircuitBreaker;
  onCacheError?: (error: unknown) => void;
  /** Told what answered each lookup that the in-process directory could not. */
  onLookup?: (source: DomainLookupSource) => void;
}

/** `stale`: Redis and Postgres both failed, and the last answer known for the host was used. */
export type DomainLookupSource = 'redis' | 'postgres' | 'stale';

export interface DomainDirectory {
  /** Synchronous: the served domain, or `undefined` when the host must be looked up (`resolve`). */
  peek(host: string | undefined): ServedDomain | undefined;
  /** `peek`, else Redis then Postgres. Rejects with DomainLookupUnavailableError when neither answers. */
  resolve(host: string | undefined): Promise<ServedDomain>;
  /** Whether the edge serves links on this host name (no port): an instance or a verified custom domain. */
  serves(hostname: string): Promise<boolean>;
  /** Drops what this process and the shared cache know of a custom domain (a change announced by the API). */
  invalidate(hostname: string): void;
  clear(): void;
}

/**
 * Host headers are attacker-chosen: at most this many custom host names are remembered, served or not. A
 * self-hosted instance has far fewer custom domains than this.
 */
const MAX_CUSTOM_HOSTS = 10_000;
const MAX_REMEMBERED_INSTANCE_HOSTS = 1000;
const TTL_RESOLUTION_MS = 50;
const NOT_SERVED = Symbol('not-served');
type Entry = ServedDomain | typeof NOT_SERVED;

interface Flight {
  promise: Promise<Entry>;
  /** Set when a change is announced mid-load: the answer is returned, but neither kept nor written back. */
  stale: boolean;
}

const HOSTNAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const IPV4 = /^[0-9.]+$/;

/**
 * The host name a Host header could be a custom domain under (lower-cased, no port, no trailing dot), or null
 * when it cannot be one (an IP, a name without a dot, anything that is not a DNS name): the `domains` table
 * holds names of exactly this form.
 */
export function customHostname(host: string): string | null {
  let name = host.toLowerCase();
  if (name.startsWith('[')) return null;
  const colon = name.lastIndexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name.length === 0 || name.length > 253 || !name.includes('.')) return null;
  if (IPV4.test(name) || !HOSTNAME.test(name)) return null;
  return name;
}

/**
 * Which domain a Host header is served as. SHORT_DOMAINS are decided in memory, as before custom domains:
 * an exact match wins, and a configured domain without a port also matches that host on any port. Any
 * other host that could be a DNS name is looked up as a custom domain (LRU, then Redis, then Postgres, the
 * answer kept with a negative entry for hosts that are not served). A host that is not served (an IP, an
 * internal name used by a health checker, a pending or removed custom domain) falls back to the default
 * domain, as every unknown host always has.
 */
export function createDomainDirectory(options: DomainDirectoryOptions): DomainDirectory {
  const { store, cache, breaker, onCacheError, onLookup } = options;
  const cacheReadBudgetMs = options.cacheReadBudgetMs ?? 0;
  const instance = (name: string): ServedDomain => ({
    name,
    custom: false,
    rootRedirectUrl: options.rootRedirectUrl ?? null,
    notFoundRedirectUrl: options.notFoundRedirectUrl ?? null,
  });
  const fallback = instance(options.defaultDomain);
  const exact = new Map<string, ServedDomain>();
  for (const domain of options.shortDomains) {
    const name = domain.toLowerCase();
    exact.set(name, name === fallback.name ? fallback : instance(name));
  }
  // Host names (no port) of the instance domains: what a TLS certificate is asked for.
  const instanceHostnames = new Set([...exact.keys()].map((name) => name.replace(/:\d+$/, '')));
  /** Hosts decided once and for all: instance domains, and hosts that can never be a custom domain. */
  const decided = new Map<string, ServedDomain>();
  const custom = new LRUCache<string, Entry>({
    max: MAX_CUSTOM_HOSTS,
    ttl: options.lruTtlMs,
    ttlAutopurge: false,
    ttlResolution: TTL_RESOLUTION_MS,
    // An expired entry stays until it is replaced or evicted: with Redis and Postgres both unreachable, the
    // last answer known for a host serves on (see `load`).
    noDeleteOnStaleGet: true,
  });
  const inFlight = new Map<string, Flight>();

  // Checked by string comparison before the map: a Host header is a fresh string on every request, and
  // comparing it costs less than hashing it for a lookup.
  const plain = exact.size <= 4 ? [...exact.values()] : [];

  function instanceOf(host: string): ServedDomain | undefined {
    const lower = host.toLowerCase();
    const found = exact.get(lower);
    if (found !== undefined) return found;
    const colon = lower.lastIndexOf(':');
    if (colon > 0 && !lower.endsWith(']')) return exact.get(lower.slice(0, colon));
    return undefined;
  }

  function served(value: CachedDomain): Entry {
    if (!value.served) return NOT_SERVED;
    return {
      name: value.hostname,
      custom: true,
      rootRedirectUrl: value.rootRedirectUrl,
      notFoundRedirectUrl: value.notFoundRedirectUrl,
    };
  }

  async function load(hostname: string, flight: Flight): Promise<Entry> {
    const ticket = breaker?.acquire() ?? 'pass';
    let cacheReachable = ticket !== 'skip';
    if (cacheReachable) {
      try {
        const cached = await withinBudget(cache.get(hostname), cacheReadBudgetMs);
        breaker?.report(ticket, true);
        if (cached !== undefined) {
          onLookup?.('redis');
          return served(cached);
        }
      } catch (error) {
        breaker?.report(ticket, false);
        cacheReachable = false;
        onCacheError?.(error);
      }
    }
    let value: CachedDomain;
    try {
      value = await store.findDomain(hostname);
    } catch (error) {
      const last = custom.get(hostname, { allowStale: true });
      if (last !== undefined) {
        onLookup?.('stale');
        return last;
      }
      throw new DomainLookupUnavailableError('domain store unavailable', { cause: error });
    }
    onLookup?.('postgres');
    // Not written back once a change was announced during the read: the value may predate it.
    if (cacheReachable && !flight.stale) cache.set(value).catch((error: unknown) => onCacheError?.(error));
    return served(value);
  }

  function peek(host: string | undefined): ServedDomain | undefined {
    if (host === undefined || host.length === 0) return fallback;
    for (const domain of plain) if (host === domain.name) return domain;
    const known = decided.get(host);
    if (known !== undefined) return known;
    const instanceDomain = instanceOf(host);
    const hostname = instanceDomain === undefined ? customHostname(host) : null;
    if (hostname !== null) {
      const entry = custom.get(hostname);
      if (entry === undefined) return undefined;
      return entry === NOT_SERVED ? fallback : entry;
    }
    // Decided for good: an instance domain, or a host that can never be a custom domain.
    const domain = instanceDomain ?? fallback;
    if (decided.size < MAX_REMEMBERED_INSTANCE_HOSTS) decided.set(host, domain);
    return domain;
  }

  function lookup(hostname: string): Promise<Entry> {
    const cached = custom.get(hostname);
    if (cached !== undefined) return Promise.resolve(cached);
    const existing = inFlight.get(hostname);
    if (existing !== undefined) return existing.promise;
    const flight: Flight = { promise: Promise.resolve(NOT_SERVED), stale: false };
    flight.promise = load(hostname, flight);
    inFlight.set(hostname, flight);
    flight.promise.then(
      (entry) => {
        if (inFlight.get(hostname) === flight) inFlight.delete(hostname);
        if (!flight.stale) {
          custom.set(hostname, entry, entry === NOT_SERVED ? { ttl: options.negativeLruTtlMs } : {});
        }
      },
      () => {
        if (inFlight.get(hostname) === flight) inFlight.delete(hostname);
      },
    );
    return flight.promise;
  }

  return {
    peek,

    resolve(host) {
      const known = peek(host);
      if (known !== undefined) return Promise.resolve(known);
      // peek answers every host that is not a custom-domain candidate.
      const hostname = customHostname(host as string) as string;
      return lookup(hostname).then((entry) => (entry === NOT_SERVED ? fallback : entry));
    },

    async serves(hostname) {
      const name = hostname.toLowerCase().replace(/\.$/, '');
      if (instanceHostnames.has(name)) return true;
      const candidate = customHostname(name);
      if (candidate === null || candidate !== name) return false;
      return (await lookup(candidate)) !== NOT_SERVED;
    },

    invalidate(hostname) {
      const name = hostname.toLowerCase();
      custom.delete(name);
      const flight = inFlight.get(name);
      if (flight !== undefined) {
        flight.stale = true;
        inFlight.delete(name);
      }
      // Another edge may have written back what it read before the change was committed.
      cache.delete(name).catch((error: unknown) => onCacheError?.(error));
    },

    clear() {
      custom.clear();
      for (const flight of inFlight.values()) flight.stale = true;
      inFlight.clear();
    },
  };
}
