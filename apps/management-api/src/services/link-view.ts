import type { Link } from '@boltlink/db/schema';
import { type CampaignUtmColumns, cachedLinkFromRow } from '@boltlink/redis-keys/link-cache';
import type { LinkView } from '../schemas/links.ts';
import type { CacheableLink } from './link-cache.ts';

export function shortUrlOf(scheme: string, domain: string, code: string): string {
  return `${scheme}://${domain}/${code}`;
}

export function toLinkView(link: Link, scheme: string): LinkView {
  return {
    id: link.id,
    code: link.code,
    domain: link.domain,
    shortUrl: shortUrlOf(scheme, link.domain, link.code),
    url: link.url,
    title: link.title,
    description: link.description,
    image: link.image,
    tags: link.tags,
    expiresAt: link.expiresAt?.toISOString() ?? null,
    maxClicks: link.maxClicks,
    redirectType: link.redirectType,
    hasPassword: link.passwordHash !== null,
    campaignId: link.campaignId,
    rules: link.redirectRules,
    variants: link.variants,
    clicks: link.clickCount,
    createdAt: link.createdAt.toISOString(),
    updatedAt: link.updatedAt.toISOString(),
  };
}

/** The value the edge's cache holds for the link, keyed by what the edge sees. */
export function toCacheable(link: Link, campaign: CampaignUtmColumns | null): CacheableLink {
  return { domain: link.domain, code: link.code, value: cachedLinkFromRow(link, campaign) };
}
