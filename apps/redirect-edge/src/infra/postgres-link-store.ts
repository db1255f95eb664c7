import type { Db } from '@boltlink/db/client';
import { findLinkForRedirect } from '@boltlink/db/queries/links';
import { linkClicksDaily, links } from '@boltlink/db/schema';
import { eq, sql } from 'drizzle-orm';
import type { LinkStore } from '../domain/ports.ts';

/** Postgres behind the caches: the shared redirect query, mapped to the versioned cache projection. */
export function createPostgresLinkStore(db: Db): LinkStore {
  return {
    async findLink(domain, code) {
      const row = await findLinkForRedirect(db, domain, code);
      if (row === null) return null;
      return {
        v: 1,
        id: row.id,
        url: row.url,
        redirectType: row.redirectType,
        expiresAt: row.expiresAt === null ? null : row.expiresAt.getTime(),
        maxClicks: row.maxClicks,
        passwordHash: row.passwordHash,
        utm: row.utm,
      };
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
