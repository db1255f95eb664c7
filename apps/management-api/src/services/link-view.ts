import type { Campaign, Link } from '@boltlink/db/schema';
import type { CachedLinkV1 } from '@boltlink/redis-keys/link-cache';
import type { CacheableLink } from './link-cache.ts';

/** The public shape of a link (ARCHITECTURE.md); never carries the password hash. */
export interface LinkView {
  id: string;
  code: string;
  domain: string;
  shortUrl: string;
  url: string;
  title: string | null;
  description: string | null;
  image: string | null;
  tags: string[];
  expiresAt: string | null;
  maxClicks: number | null;
  redirectType: number;
  hasPassword: boolean;
  campaignId: string | null;
  clicks: number;
  createdAt: string;
  updatedAt: string;
}

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
    clicks: link.clickCount,
    createdAt: link.createdAt.toISOString(),
    updatedAt: link.updatedAt.toISOString(),
  };
}

type CampaignUtm = Pick<Campaign, 'utmSource' | 'utmMedium' | 'utmCampaign' | 'utmTerm' | 'utmContent'>;

/** The query parameters the edge appends on redirect, keyed by their wire names. */
export function utmParameters(campaign: CampaignUtm): Record<string, string> {
  const utm: Record<string, string> = {
    utm_source: campaign.utmSource,
    utm_medium: campaign.utmMedium,
    utm_campaign: campaign.utmCampaign,
  };
  if (campaign.utmTerm) utm.utm_term = campaign.utmTerm;
  if (campaign.utmContent) utm.utm_content = campaign.utmContent;
  return utm;
}

export function toCacheable(link: Link, campaign: CampaignUtm | null): CacheableLink {
  const value: CachedLinkV1 = {
    v: 1,
    id: link.id,
    url: link.url,
    redirectType: link.redirectType,
    expiresAt: link.expiresAt?.getTime() ?? null,
    maxClicks: link.maxClicks,
    passwordHash: link.passwordHash,
    utm: campaign ? utmParameters(campaign) : null,
  };
  return { domain: link.domain, code: link.code, value };
}
