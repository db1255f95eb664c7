import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { campaigns } from '../schema/campaigns.ts';
import { links, type RedirectType } from '../schema/links.ts';

/** What serving a redirect needs, and nothing else: the projection behind the edge's Redis cache. */
export interface RedirectLink {
  id: string;
  url: string;
  redirectType: RedirectType;
  expiresAt: Date | null;
  maxClicks: number | null;
  passwordHash: string | null;
  /** Persisted total; lags the live count by the ingestion delay (seed for a click-cap counter). */
  clickCount: number;
  /** The campaign's UTM query parameters (`utm_source` ...), only those that are set; null without a campaign. */
  utm: Record<string, string> | null;
}

/**
 * Looks a short link up by the key the edge sees (Host header domain + path code). Used by the edge on a
 * cache miss and by the management API to refresh the cache after a write, so both fill the same shape.
 */
export async function findLinkForRedirect(
  db: Db,
  domain: string,
  code: string,
): Promise<RedirectLink | null> {
  const rows = await db
    .select({
      id: links.id,
      url: links.url,
      redirectType: links.redirectType,
      expiresAt: links.expiresAt,
      maxClicks: links.maxClicks,
      passwordHash: links.passwordHash,
      clickCount: links.clickCount,
      campaignId: campaigns.id,
      utmSource: campaigns.utmSource,
      utmMedium: campaigns.utmMedium,
      utmCampaign: campaigns.utmCampaign,
      utmTerm: campaigns.utmTerm,
      utmContent: campaigns.utmContent,
    })
    .from(links)
    .leftJoin(campaigns, eq(campaigns.id, links.campaignId))
    .where(and(eq(links.domain, domain), eq(links.code, code)))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    url: row.url,
    redirectType: row.redirectType,
    expiresAt: row.expiresAt,
    maxClicks: row.maxClicks,
    passwordHash: row.passwordHash,
    clickCount: row.clickCount,
    utm: row.campaignId === null ? null : utmParameters(row),
  };
}

interface UtmColumns {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
}

function utmParameters(row: UtmColumns): Record<string, string> {
  const entries: [string, string | null][] = [
    ['utm_source', row.utmSource],
    ['utm_medium', row.utmMedium],
    ['utm_campaign', row.utmCampaign],
    ['utm_term', row.utmTerm],
    ['utm_content', row.utmContent],
  ];
  const utm: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (value !== null && value !== '') utm[name] = value;
  }
  return utm;
}
