import type { Db } from '@boltlink/db/client';
import { findLinkForRedirect } from '@boltlink/db/queries/links';
import { links } from '@boltlink/db/schema';
import { eq } from 'drizzle-orm';
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
    async clickCount(linkId) {
      const rows = await db
        .select({ clickCount: links.clickCount })
        .from(links)
        .where(eq(links.id, linkId))
        .limit(1);
      return rows[0]?.clickCount ?? null;
    },
  };
}
