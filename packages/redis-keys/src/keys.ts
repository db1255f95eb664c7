/**
 * Every Redis key and channel BoltLink uses. Nothing else in the codebase spells a key.
 *
 * Redis Cluster: a `{...}` hash tag picks the slot. Keys that are touched together carry the same tag: the
 * cached link and its negative entry share `{domain/code}`, so a create can clear the miss and write the
 * link in one MULTI. Everything else is single-key, tagged by the entity so load spreads across slots.
 */

export interface RedisKeys {
  readonly prefix: string;
  /** Cached redirect projection (see ./link-cache). The version segment changes with the value schema. */
  linkCache(domain: string, code: string): string;
  /** "This code does not exist" marker, short TTL, so a scan of random codes reaches Postgres once per code. */
  linkNegative(domain: string, code: string): string;
  /** Atomic counter of served redirects for a link with maxClicks. */
  clickCap(linkId: string): string;
  /** Session, keyed by the SHA-256 of the token (the token itself is never stored). */
  session(tokenHash: string): string;
  /**
   * A user's session epoch: a counter every session records when it is created; bumping it ends all of the
   * user's sessions at once ("sign out everywhere", password change or reset).
   */
  sessionEpoch(userId: string): string;
  /** A sign-up waiting for its address to be confirmed, keyed by the SHA-256 of the mailed token. */
  pendingSignup(tokenHash: string): string;
  /** One hash: api key id -> last-used epoch ms, flushed to Postgres in bulk. */
  apiKeyLastUsed(): string;
  /** Key prefix (nameSpace) for @fastify/rate-limit's Redis store, one per limit. */
  rateLimit(name: string): string;
  /** Units an account has spent of one budget (links created, password hashes…) in the current window. */
  budget(name: string, accountId: string): string;
  /** Failed password attempts for a protected link by one client. */
  passwordAttempts(linkId: string, client: string): string;
  /** Wrong passwords for a protected link from all clients together; same hash tag as passwordAttempts. */
  passwordLinkFailures(linkId: string): string;
  /** Pub/sub channel on which link changes are announced to every edge. */
  invalidationChannel(): string;
  /** Pub/sub channel on which custom domain changes are announced to every edge (./domain-invalidation). */
  domainInvalidationChannel(): string;
  /** Pub/sub channel on which a change of the blocked destinations is announced to every edge (./blocked-destinations). */
  blocklistChannel(): string;
  /**
   * What the edge knows of a host name that is not an instance domain: a custom domain it serves, or "not
   * served" (see ./domain-cache). Deleted by every edge when a change of the domain is announced.
   */
  domainCache(hostname: string): string;
  /**
   * HyperLogLog of an account's visitors on one UTC day (YYYY-MM-DD), humans and bots apart. Every key of
   * an account carries its hash tag, so one PFCOUNT unites the days of a range, on Redis Cluster too.
   */
  accountVisitors(accountId: string, day: string, kind: VisitorKind): string;
  /** SCAN pattern matching every accountVisitors key of one account (rebuilds). */
  accountVisitorsPattern(accountId: string): string;
}

export type VisitorKind = 'human' | 'bot';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Bumped when the cached link value changes incompatibly, so old and new edges never read each other's. */
export const LINK_CACHE_KEY_VERSION = 'v1';
/** The same for the cached custom domain value. */
export const DOMAIN_CACHE_KEY_VERSION = 'v1';

const PREFIX = /^[A-Za-z0-9_-]+$/;
const NAME = /^[a-z0-9][a-z0-9-]*$/;

// Codes and domains come from the URL and Host header of public requests. Encoding keeps braces (which would
// change the hash tag), separators and control characters out of the key while leaving valid codes unchanged.
const part = (value: string): string => encodeURIComponent(value);

export function createRedisKeys(prefix: string): RedisKeys {
  if (!PREFIX.test(prefix)) {
    throw new Error(`Redis key prefix must match ${PREFIX} (got ${JSON.stringify(prefix)})`);
  }
  const link = (domain: string, code: string): string => `{${part(domain.toLowerCase())}/${part(code)}}`;

  return {
    prefix,
    linkCache: (domain, code) => `${prefix}:link:${LINK_CACHE_KEY_VERSION}:${link(domain, code)}`,
    linkNegative: (domain, code) => `${prefix}:link-miss:${LINK_CACHE_KEY_VERSION}:${link(domain, code)}`,
    clickCap: (linkId) => `${prefix}:click-cap:{${part(linkId)}}`,
    session: (tokenHash) => `${prefix}:session:{${part(tokenHash)}}`,
    sessionEpoch: (userId) => `${prefix}:session-epoch:{${part(userId)}}`,
    pendingSignup: (tokenHash) => `${prefix}:pending-signup:{${part(tokenHash)}}`,
    apiKeyLastUsed: () => `${prefix}:api-key-last-used`,
    rateLimit: (name) => {
      if (!NAME.test(name))
        throw new Error(`rate-limit name must match ${NAME} (got ${JSON.stringify(name)})`);
      return `${prefix}:rl:${name}:`;
    },
    budget: (name, accountId) => {
      if (!NAME.test(name)) throw new Error(`budget name must match ${NAME} (got ${JSON.stringify(name)})`);
      return `${prefix}:budget:${name}:{${part(accountId)}}`;
    },
    passwordAttempts: (linkId, client) => `${prefix}:pw-attempts:{${part(linkId)}}:${part(client)}`,
    passwordLinkFailures: (linkId) => `${prefix}:pw-link-failures:{${part(linkId)}}`,
    invalidationChannel: () => `${prefix}:link-invalidation`,
    domainInvalidationChannel: () => `${prefix}:domain-invalidation`,
    blocklistChannel: () => `${prefix}:blocklist-changed`,
    domainCache: (hostname) =>
      `${prefix}:domain:${DOMAIN_CACHE_KEY_VERSION}:{${part(hostname.toLowerCase())}}`,
    accountVisitors: (accountId, day, kind) => {
      if (!DAY.test(day))
        throw new Error(`visitor sketch day must be YYYY-MM-DD (got ${JSON.stringify(day)})`);
      return `${prefix}:visitors:v1:{${part(accountId)}}:${day}:${kind}`;
    },
    accountVisitorsPattern: (accountId) => `${prefix}:visitors:v1:{${part(accountId)}}:*`,
  };
}
