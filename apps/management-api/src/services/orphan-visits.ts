import type { Db } from '@boltlink/db/client';
import { domains, orphanVisits } from '@boltlink/db/schema';
import { and, desc, eq, gte, inArray, lt, or, type SQL } from 'drizzle-orm';
import { DEFAULT_PAGE_SIZE } from '../schemas/common.ts';
import type { OrphanVisitQuery, OrphanVisitView } from '../schemas/orphan-visits.ts';

/**
 * Orphan visits of the domains a caller may see: the workspace's custom domains, and for an instance admin
 * the instance's short domains too. Newest minute first, cursor-paged on (minute, id).
 */
export function createOrphanVisitReader(deps: { db: Db; shortDomains: readonly string[] }) {
  const { db } = deps;

  async function visibleDomains(workspaceId: string, instanceAdmin: boolean): Promise<string[]> {
    const custom = await db
      .select({ hostname: domains.hostname })
      .from(domains)
      .where(eq(domains.workspaceId, workspaceId));
    const names = custom.map((row) => row.hostname);
    return instanceAdmin ? [...deps.shortDomains, ...names] : names;
  }

  return {
    async list(
      workspaceId: string,
      instanceAdmin: boolean,
      query: OrphanVisitQuery,
    ): Promise<{ items: OrphanVisitView[]; nextCursor: string | null }> {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE;
      let visible = await visibleDomains(workspaceId, instanceAdmin);
      // A domain the caller may not see reads as one without visits: nothing says whether it exists.
      if (query.domain !== undefined)
        visible = visible.filter((name) => name === query.domain?.toLowerCase());
      if (visible.length === 0) return { items: [], nextCursor: null };
      const conditions: SQL[] = [inArray(orphanVisits.domain, visible)];
      if (query.kind !== undefined) conditions.push(eq(orphanVisits.kind, query.kind));
      if (query.from !== undefined) conditions.push(gte(orphanVisits.minute, new Date(query.from)));
      if (query.to !== undefined) conditions.push(lt(orphanVisits.minute, new Date(query.to)));
      if (query.cursor !== undefined) {
        const [minuteMs = '0', id = '0'] = query.cursor.split('.');
        const minute = new Date(Number(minuteMs));
        const after = or(
          lt(orphanVisits.minute, minute),
          and(eq(orphanVisits.minute, minute), lt(orphanVisits.id, Number(id))),
        );
        if (after !== undefined) conditions.push(after);
      }
      const rows = await db
        .select()
        .from(orphanVisits)
        .where(and(...conditions))
        .orderBy(desc(orphanVisits.minute), desc(orphanVisits.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((row) => ({
          domain: row.domain,
          path: row.path,
          kind: row.kind as OrphanVisitView['kind'],
          minute: row.minute.toISOString(),
          referrerHost: row.referrerHost,
          country: row.country,
          bot: row.isBot,
          visits: row.visits,
        })),
        nextCursor: rows.length > limit && last !== undefined ? `${last.minute.getTime()}.${last.id}` : null,
      };
    },
  };
}

export type OrphanVisitReader = ReturnType<typeof createOrphanVisitReader>;
