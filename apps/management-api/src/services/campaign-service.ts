import type { Db } from '@boltlink/db/client';
import { type Campaign, campaigns, links } from '@boltlink/db/schema';
import { and, asc, desc, eq, gt, type SQL, sql } from 'drizzle-orm';
import { notFound } from '../errors.ts';
import type { CampaignView, UtmInput } from '../schemas/campaigns.ts';
import { DEFAULT_PAGE_SIZE } from '../schemas/common.ts';
import type { Actor } from './actor.ts';
import type { LinkCache, LinkRef } from './link-cache.ts';
import { decodeCursor, encodeCursor } from './link-list.ts';
import type { ServiceLogger } from './link-service.ts';

function toView(row: Campaign): CampaignView {
  return {
    id: row.id,
    name: row.name,
    utm: {
      source: row.utmSource,
      medium: row.utmMedium,
      campaign: row.utmCampaign,
      term: row.utmTerm,
      content: row.utmContent,
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const blankToNull = (value: string | null | undefined): string | null => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
};

/** Links whose cached projection must be dropped, read in id order in bounded pages. */
const REF_PAGE = 1000;

export function createCampaignService(deps: { db: Db; cache: LinkCache; logger: ServiceLogger }) {
  const { db, cache, logger } = deps;

  async function linkRefsOf(campaignId: string): Promise<LinkRef[]> {
    const refs: LinkRef[] = [];
    let after: string | undefined;
    for (;;) {
      const conditions: SQL[] = [eq(links.campaignId, campaignId)];
      if (after) conditions.push(gt(links.id, after));
      const page = await db
        .select({ id: links.id, domain: links.domain, code: links.code })
        .from(links)
        .where(and(...conditions))
        .orderBy(asc(links.id))
        .limit(REF_PAGE);
      refs.push(...page.map(({ domain, code }) => ({ domain, code })));
      const last = page.at(-1);
      if (!last || page.length < REF_PAGE) return refs;
      after = last.id;
    }
  }

  // After the commit: the edges must stop adding the old UTM parameters. A Redis failure is logged, the
  // cache TTL bounds the staleness.
  async function invalidateLinksOf(refs: LinkRef[], campaignId: string): Promise<void> {
    if (refs.length === 0) return;
    try {
      await cache.invalidate(refs);
    } catch (error) {
      logger.error({ err: error, campaignId, links: refs.length }, 'could not invalidate campaign links');
    }
  }

  return {
    async create(actor: Actor, input: { name: string; utm: UtmInput }): Promise<CampaignView> {
      const [row] = await db
        .insert(campaigns)
        .values({
          userId: actor.userId,
          workspaceId: actor.workspaceId,
          name: input.name.trim(),
          utmSource: input.utm.source.trim(),
          utmMedium: input.utm.medium.trim(),
          utmCampaign: input.utm.campaign.trim(),
          utmTerm: blankToNull(input.utm.term),
          utmContent: blankToNull(input.utm.content),
        })
        .returning();
      if (!row) throw new Error('insert returned no row');
      return toView(row);
    },

    async list(workspaceId: string, query: { limit?: number; cursor?: string }) {
      const limit = query.limit ?? DEFAULT_PAGE_SIZE;
      const conditions: SQL[] = [eq(campaigns.workspaceId, workspaceId)];
      if (query.cursor !== undefined) {
        const cursor = decodeCursor(query.cursor);
        conditions.push(
          sql`(${campaigns.createdAt}, ${campaigns.id}) < (${cursor.t}::timestamptz, ${cursor.id}::uuid)`,
        );
      }
      const rows = await db
        .select({
          row: campaigns,
          cursorTime: sql<string>`to_char(${campaigns.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
        })
        .from(campaigns)
        .where(and(...conditions))
        .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
        .limit(limit + 1);
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > limit && last ? encodeCursor({ t: last.cursorTime, id: last.row.id }) : null;
      return { items: page.map((r) => toView(r.row)), nextCursor };
    },

    async get(workspaceId: string, id: string): Promise<CampaignView> {
      const [row] = await db
        .select()
        .from(campaigns)
        .where(and(eq(campaigns.id, id), eq(campaigns.workspaceId, workspaceId)));
      if (!row) throw notFound('campaign');
      return toView(row);
    },

    async update(
      workspaceId: string,
      id: string,
      input: { name?: string; utm?: Partial<UtmInput> },
    ): Promise<CampaignView> {
      const patch: Partial<typeof campaigns.$inferInsert> = { updatedAt: new Date() };
      if (input.name !== undefined) patch.name = input.name.trim();
      const utm = input.utm ?? {};
      if (utm.source !== undefined) patch.utmSource = utm.source.trim();
      if (utm.medium !== undefined) patch.utmMedium = utm.medium.trim();
      if (utm.campaign !== undefined) patch.utmCampaign = utm.campaign.trim();
      if (utm.term !== undefined) patch.utmTerm = blankToNull(utm.term);
      if (utm.content !== undefined) patch.utmContent = blankToNull(utm.content);
      const [row] = await db
        .update(campaigns)
        .set(patch)
        .where(and(eq(campaigns.id, id), eq(campaigns.workspaceId, workspaceId)))
        .returning();
      if (!row) throw notFound('campaign');
      if (input.utm !== undefined) await invalidateLinksOf(await linkRefsOf(id), id);
      return toView(row);
    },

    async remove(workspaceId: string, id: string): Promise<void> {
      // Read the links first: the delete sets their campaign_id to null and they could not be found after.
      const refs = await linkRefsOf(id);
      const [row] = await db
        .delete(campaigns)
        .where(and(eq(campaigns.id, id), eq(campaigns.workspaceId, workspaceId)))
        .returning({ id: campaigns.id });
      if (!row) throw notFound('campaign');
      await invalidateLinksOf(refs, id);
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
