import type { Db } from '@boltlink/db/client';
import { findLinkForRedirect } from '@boltlink/db/queries/links';
import { linkClicksDaily, links } from '@boltlink/db/schema';
import { cachedLinkFromRow } from '@boltlink/redis-keys/link-cache';
import { eq, sql } from 'drizzle-orm';
import type { LinkStore } from '../domain/ports.ts';

/** Postgres behind the caches: the redirect lookup, mapped to the value the caches hold. */
export function createPostgresLinkStore(db: Db): LinkStore {
  return {
    async findLink(domain, code) {
      const row = await findLinkForRedirect(db, domain, code);
      return row === null ? null : cachedLinkFromRow(row, row.campaign);
    },
    async humanClickCount(linkId) {
      // The daily roll-up keeps bot clicks apart; links.click_count counts them too. A capped link has one
      // row per day it was used.
      const rows = await db
        .select({
          clicks: sql<string>`(SELECT coalesce(sum(${linkClicksDaily.clicks} - ${linkClicksDaily.botClicks}), 0)
            FROM ${linkClicksDaily} WHERE ${linkClicksDaily.linkId} = ${links.id})`,
        })
        .from(links)
        .where(eq(links.id, linkId))
        .limit(1);
      const row = rows[0];
      return row === undefined ? null : Number(row.clicks);
    },
  };
}

/**
 * Reads from a replica (DATABASE_READ_URL) with the primary behind it for what a replica may not have yet: a
 * link the replica does not know is asked of the primary before the edge answers 404 (and caches the miss), so
 * a link created a moment ago redirects even when the cache missed it and the replica lags. The human click
 * count that re-seeds a click cap is read from the primary: a lagging count would let a capped link overrun.
 * An unknown code costs one primary read per negative-cache period (LRU, then Redis), and 404s are rate
 * limited per client.
 */
export function createReplicaLinkStore(replica: LinkStore, primary: LinkStore): LinkStore {
  return {
    async findLink(domain, code) {
      return (await replica.findLink(domain, code)) ?? primary.findLink(domain, code);
    },
    humanClickCount: (linkId) => primary.humanClickCount(linkId),
  };
}
