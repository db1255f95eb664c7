import { isBlockedDestination } from '@boltlink/redis-keys/blocked-destinations';
import type { RedirectLink } from './ports.ts';

/**
 * The destination host names instance admins blocked, held whole in memory (the list is small). A link to
 * one of them (by its URL, a redirect rule's or a variant's) is served as blocked (410): `apply` marks it when it enters the in-process cache, so a
 * redirect pays nothing per request, and a change of the list clears that cache (`onChange`) so every link
 * is marked again against the new list.
 */
export interface DestinationBlocklist {
  /** The link as the edge serves it: marked blocked when its destination's host (or a parent) is blocked. */
  apply(link: RedirectLink): RedirectLink;
  /** Replaces the list; true when it changed. */
  replace(hostnames: readonly string[]): boolean;
  readonly size: number;
}

export function createDestinationBlocklist(): DestinationBlocklist {
  let blocked: ReadonlySet<string> = new Set();
  return {
    apply(link) {
      if (blocked.size === 0 || link.blocked === true) return link;
      // A rule's or a variant's destination counts as the link's: a link that would send some visitors to a
      // blocked domain is blocked for everyone, as the API refuses to create one.
      const sendsToBlocked =
        isBlockedDestination(link.url, blocked) ||
        (link.v !== 1 && link.rules.some((rule) => isBlockedDestination(rule.url, blocked))) ||
        (link.v === 3 && link.variants.some((variant) => isBlockedDestination(variant.url, blocked)));
      return sendsToBlocked ? { ...link, blocked: true } : link;
    },
    replace(hostnames) {
      const next = new Set(hostnames);
      const changed = next.size !== blocked.size || [...next].some((host) => !blocked.has(host));
      blocked = next;
      return changed;
    },
    get size() {
      return blocked.size;
    },
  };
}
