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
