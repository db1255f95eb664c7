import type { RedirectRule } from '@boltlink/redirect-location/rules';
import type { LinkVariant } from '@boltlink/redirect-location/variants';
import { and, eq, fillPlaceholders, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { campaigns } from '../schema/campaigns.ts';
import { links, type RedirectType } from '../schema/links.ts';

/**
 * The columns a redirect needs, and nothing else: what the edge maps (with `cachedLinkFromRow` of
 * `@boltlink/redis-keys/link-cache`) into the value its Redis cache holds.
 */
export interface LinkRowForRedirect {
  id: string;
  url: string;
  redirectType: RedirectType;
  expiresAt: Date | null;
  maxClicks: number | null;
  passwordHash: string | null;
  /** Set while an instance admin blocks the link: every edge answers 410. */
  blockedAt: Date | null;
  /** Persisted total; lags the live count by the ingestion delay. */
  clickCount: number;
  /** Ordered redirect rules; [] = none. */
  redirectRules: RedirectRule[];
  /** The A/B split; [] = none. */
  variants: LinkVariant[];
  /** The link's campaign's UTM columns; null without a campaign. */
  campaign: CampaignUtmRow | null;
}

/** Nullable as a left join types them; the schema's check keeps the first three non-empty. */
export interface CampaignUtmRow {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
}

/** Looks a short link up by the key the edge sees (Host header domain + path code), on a cache miss. */
export function findLinkForRedirect(
  db: Db,
  domain: string,
  code: string,
): Promise<LinkRowForRedirect | null> {
  let finder = finders.get(db);
  if (finder === undefined) {
    finder = createRedirectLinkFinder(db);
    finders.set(db, finder);
  }
  return finder(domain, code);
}

const finders = new WeakMap<Db, (domain: string, code: string) => Promise<LinkRowForRedirect | null>>();

/** The selected columns, in the order of the row arrays the query returns. */
const redirectColumns = {
  id: links.id,
  url: links.url,
  redirectType: links.redirectType,
  expiresAt: links.expiresAt,
  maxClicks: links.maxClicks,
  passwordHash: links.passwordHash,
  blockedAt: links.blockedAt,
  clickCount: links.clickCount,
  redirectRules: links.redirectRules,
  variants: links.variants,
  campaignId: campaigns.id,
  utmSource: campaigns.utmSource,
  utmMedium: campaigns.utmMedium,
  utmCampaign: campaigns.utmCampaign,
  utmTerm: campaigns.utmTerm,
  utmContent: campaigns.utmContent,
};

type RedirectRow = [
  id: string,
  url: string,
  redirectType: RedirectType,
  expiresAt: Date | null,
  maxClicks: number | null,
  passwordHash: string | null,
  blockedAt: Date | null,
  clickCount: string | number,
  redirectRules: RedirectRule[],
  variants: LinkVariant[],
  campaignId: string | null,
  utmSource: string | null,
  utmMedium: string | null,
  utmCampaign: string | null,
  utmTerm: string | null,
  utmContent: string | null,
];

/**
 * The lookup behind every cache miss, so every unknown code of a scan reaches it. Building the query with the
 * query builder on each call cost more than the database round trip; the text is built once here (with
 * placeholders) and sent as an unnamed statement, which keeps it safe behind PgBouncer in transaction mode.
 * Rows come back as arrays with node-postgres's own type parsing: timestamptz as a Date, bigint as a string.
 */
function createRedirectLinkFinder(
  db: Db,
): (domain: string, code: string) => Promise<LinkRowForRedirect | null> {
  const query = db
    .select(redirectColumns)
    .from(links)
    .leftJoin(campaigns, eq(campaigns.id, links.campaignId))
    .where(and(eq(links.domain, sql.placeholder('domain')), eq(links.code, sql.placeholder('code'))))
    .limit(1)
    .toSQL();
  return async (domain, code) => {
    const result = await db.$client.query<RedirectRow>({
      text: query.sql,
      values: fillPlaceholders(query.params, { domain, code }),
      rowMode: 'array',
    });
    const row = result.rows[0];
    if (row === undefined) return null;
    const [
      id,
      url,
      redirectType,
      expiresAt,
      maxClicks,
      passwordHash,
      blockedAt,
      clickCount,
      redirectRules,
      variants,
      campaignId,
      utmSource,
      utmMedium,
      utmCampaign,
      utmTerm,
      utmContent,
    ] = row;
    return {
      id,
      url,
      redirectType,
      expiresAt,
      maxClicks,
      passwordHash,
      blockedAt,
      clickCount: Number(clickCount),
      redirectRules,
      variants,
      campaign: campaignId === null ? null : { utmSource, utmMedium, utmCampaign, utmTerm, utmContent },
    };
  };
}
