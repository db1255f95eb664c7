import type { CachedDomain } from '@boltlink/redis-keys/domain-cache';
import type { CachedLink } from '@boltlink/redis-keys/link-cache';

/** What a redirect needs to know about a link: the versioned cache projection, never the table row. */
export type RedirectLink = CachedLink;

/** The source of truth (Postgres). Every method may throw when the database is unreachable. */
export interface LinkStore {
  findLink(domain: string, code: string): Promise<RedirectLink | null>;
  /**
   * The persisted count of human clicks (bots, HEAD and requests without a User-Agent excluded), which is
   * what a click cap counts: re-seeds a lost click-cap counter. Null when the link is gone.
   */
  humanClickCount(linkId: string): Promise<number | null>;
}

/** The shared Redis projection of links, with a negative entry for codes that do not exist. */
export interface LinkCache {
  /** `undefined` = not cached (or undecodable), `null` = cached as unknown. Throws when Redis is unreachable. */
  get(domain: string, code: string): Promise<RedirectLink | null | undefined>;
  set(domain: string, code: string, link: RedirectLink): Promise<void>;
  setMissing(domain: string, code: string): Promise<void>;
}

/** The destination host names instance admins blocked, in Postgres. Throws when the database is unreachable. */
export interface BlocklistStore {
  hostnames(): Promise<string[]>;
}

/** Custom domains in Postgres. Throws when the database is unreachable. */
export interface DomainStore {
  /** What the edge should know of a host name (lower-cased, no port): served (verified) or not. */
  findDomain(hostname: string): Promise<CachedDomain>;
}

/** The shared Redis projection of custom domains, negative answers included. */
export interface DomainCache {
  /** `undefined` = not cached (or undecodable). Throws when Redis is unreachable. */
  get(hostname: string): Promise<CachedDomain | undefined>;
  set(value: CachedDomain): Promise<void>;
  delete(hostname: string): Promise<void>;
}
