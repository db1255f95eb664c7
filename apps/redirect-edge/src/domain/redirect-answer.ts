import { buildLocation } from '@boltlink/redirect-location/location';
import type { RedirectLink } from './ports.ts';

/**
 * What a served redirect looks like, shared by the Fastify route and the framework-free fast path so both
 * answer byte for byte the same.
 */

// A temporary redirect must not be cached anywhere, so an edit or a cap takes effect at once. A permanent one
// may be cached by the browser only (a shared cache would swallow clicks), and only when nothing about it
// can change its answer by itself (expiry, cap, password).
const NO_STORE = 'private, no-store';
const PERMANENT = 'private, max-age=3600';

export function cacheControl(link: RedirectLink, status: number): string {
  if (status !== 301 && status !== 308) return NO_STORE;
  // With rules or a split, the same short URL goes elsewhere for another visitor, and a browser that kept
  // one answer would not see an edit of the rules or the weights.
  if (link.v !== 1) return NO_STORE;
  if (link.expiresAt !== null || link.maxClicks !== null || link.passwordHash !== null) return NO_STORE;
  return PERMANENT;
}

/** The raw query string of a request target (`/abc?x=1` -> `x=1`), as the visitor wrote it. */
export function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? '' : url.slice(q + 1);
}

// Link values are immutable (a change replaces the cached object), so a visitor without a query string gets a
// Location that depends on the link (and the rule that matched) alone: parsed and serialised once per cached
// link, not once per request. Keyed weakly: an entry goes when its link leaves the LRU.
const plainLocations = new WeakMap<RedirectLink, string | null>();
const plainRuleLocations = new WeakMap<RedirectLink, (string | null | undefined)[]>();
const plainVariantLocations = new WeakMap<RedirectLink, (string | null | undefined)[]>();

/**
 * `buildLocation` for a link (or its rule number `rule`, when one matched, else its variant number `variant`,
 * when it has a split) and a raw visitor query; null when the stored destination cannot be served.
 */
export function locationFor(
  link: RedirectLink,
  visitorQuery: string,
  rule = -1,
  variant = -1,
): string | null {
  if (link.v !== 1) {
    if (rule >= 0) return targetLocation(link, plainRuleLocations, rule, link.rules[rule]?.url, visitorQuery);
    if (variant >= 0 && link.v === 3) {
      return targetLocation(link, plainVariantLocations, variant, link.variants[variant]?.url, visitorQuery);
    }
  }
  if (visitorQuery.length > 0) return buildLocation(link.url, visitorQuery, link.utm);
  const known = plainLocations.get(link);
  if (known !== undefined) return known;
  const location = buildLocation(link.url, '', link.utm);
  plainLocations.set(link, location);
  return location;
}

/** The location of a rule's or a variant's URL; without a visitor query, built once per cached link. */
function targetLocation(
  link: RedirectLink,
  plain: WeakMap<RedirectLink, (string | null | undefined)[]>,
  index: number,
  url: string | undefined,
  visitorQuery: string,
): string | null {
  if (url === undefined) return null;
  if (visitorQuery.length > 0) return buildLocation(url, visitorQuery, link.utm);
  let known = plain.get(link);
  if (known === undefined) {
    known = [];
    plain.set(link, known);
  }
  const cached = known[index];
  if (cached !== undefined) return cached;
  const location = buildLocation(url, '', link.utm);
  known[index] = location;
  return location;
}

/**
 * The headers of a domain's root or not-found redirect (302). Not cached: the domain's settings can change,
 * and a link may be created at the code later.
 */
export function domainRedirectHeaders(location: string) {
  return {
    'x-content-type-options': 'nosniff',
    location,
    'cache-control': NO_STORE,
    'x-robots-tag': 'noindex',
    'content-length': '0',
  } as const;
}
