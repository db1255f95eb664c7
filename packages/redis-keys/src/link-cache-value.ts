import { MAX_RULES, RedirectRule } from '@boltlink/redirect-location/rules';
import { utmParameters as utmQuery } from '@boltlink/redirect-location/utm';
import { type LinkVariant, LinkVariants } from '@boltlink/redirect-location/variants';
import { type Static, Type } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';

/**
 * What the redirect edge needs of a link, as stored in the Redis cache. A wire format that outlives a deploy:
 * versioned, validated when written and when read, and not the table row type. An edge that meets a version
 * it does not know treats it as a cache miss and reads Postgres.
 */
const linkFields = {
  // A UUID (links.id): it goes into every click event of the link, so it is checked here, once per read.
  id: Type.String({
    minLength: 36,
    maxLength: 36,
    pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  }),
  url: Type.String({ minLength: 1, maxLength: 8192 }),
  redirectType: Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)]),
  /** Epoch milliseconds; null = never expires. */
  expiresAt: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  maxClicks: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  /** argon2id hash, verified by the edge; null = not protected. */
  passwordHash: Type.Union([Type.String({ minLength: 1, maxLength: 512 }), Type.Null()]),
  /** Campaign UTM parameters added to the destination (utm_source...); null = no campaign. */
  utm: Type.Union([Type.Record(Type.String({ minLength: 1 }), Type.String()), Type.Null()]),
  /**
   * Present (and true) only while an instance admin blocks the link: the edge answers 410. Absent
   * otherwise, so the values of unblocked links are the same bytes as before blocks existed.
   */
  blocked: Type.Optional(Type.Literal(true)),
};

export const CachedLinkV1 = Type.Object(
  { v: Type.Literal(1), ...linkFields },
  { additionalProperties: false },
);
export type CachedLinkV1 = Static<typeof CachedLinkV1>;

/**
 * A link with redirect rules. Written only for such links: a link without rules stays a v1 value, the same
 * bytes as before rules existed, so edges of both versions read it during a rolling deploy. An edge from
 * before rules reads a v2 value as a miss, serves the link without its rules (it knows none) and may put its
 * own rule-less v1 read of Postgres in its place, which newer edges then serve until the entry's TTL
 * (LINK_CACHE_TTL_SECONDS) or the link's next change: rules take full effect once every edge runs this version.
 */
export const CachedLinkV2 = Type.Object(
  {
    v: Type.Literal(2),
    ...linkFields,
    rules: Type.Array(RedirectRule, { minItems: 1, maxItems: MAX_RULES }),
  },
  { additionalProperties: false },
);
export type CachedLinkV2 = Static<typeof CachedLinkV2>;

/**
 * A link with an A/B split (and its rules, if any: `[]` without). Written only for such links, so links
 * without a split keep their v1 or v2 bytes. An edge from before splits reads a v3 value as a miss and serves
 * the link's own URL (and its rules) from its Postgres read, as an edge from before rules did with v2 values:
 * the split takes full effect once every edge runs this version (docs/operations/deploying.md).
 */
export const CachedLinkV3 = Type.Object(
  {
    v: Type.Literal(3),
    ...linkFields,
    rules: Type.Array(RedirectRule, { maxItems: MAX_RULES }),
    variants: LinkVariants,
  },
  { additionalProperties: false },
);
export type CachedLinkV3 = Static<typeof CachedLinkV3>;

/** The versions this code writes and reads (`v` tells them apart). */
export type CachedLink = CachedLinkV1 | CachedLinkV2 | CachedLinkV3;

/** The columns of a link row the cache value is built from (a `links` row, or the edge's lookup). */
export interface LinkRowForCache {
  id: string;
  url: string;
  redirectType: CachedLinkV1['redirectType'];
  expiresAt: Date | null;
  maxClicks: number | null;
  passwordHash: string | null;
  blockedAt: Date | null;
  /** The link's redirect rules (an empty list: none). */
  redirectRules: readonly RedirectRule[];
  /** The link's A/B split (an empty list: none). */
  variants: readonly LinkVariant[];
}

/** A campaign's UTM columns (a `campaigns` row, or the columns of a join). */
export interface CampaignUtmColumns {
  utmSource: string | null;
  utmMedium: string | null;
  utmCampaign: string | null;
  utmTerm: string | null;
  utmContent: string | null;
}

/**
 * The one mapping from a link row (and its campaign, if any) to the cached value: the management API writes
 * it after a change and the edge builds it on a cache miss, so both fill the same shape.
 */
export function cachedLinkFromRow(link: LinkRowForCache, campaign: CampaignUtmColumns | null): CachedLink {
  const fields = {
    id: link.id,
    url: link.url,
    redirectType: link.redirectType,
    expiresAt: link.expiresAt === null ? null : link.expiresAt.getTime(),
    maxClicks: link.maxClicks,
    passwordHash: link.passwordHash,
    utm: campaign === null ? null : utmParameters(campaign),
  };
  const value: CachedLink =
    link.variants.length > 0
      ? { v: 3, ...fields, rules: [...link.redirectRules], variants: [...link.variants] }
      : link.redirectRules.length === 0
        ? { v: 1, ...fields }
        : { v: 2, ...fields, rules: [...link.redirectRules] };
  if (link.blockedAt !== null) value.blocked = true;
  return value;
}

/** The query parameters the edge adds on redirect (`@boltlink/redirect-location/utm`), from a campaign's columns. */
export function utmParameters(campaign: CampaignUtmColumns): Record<string, string> {
  return utmQuery({
    source: campaign.utmSource,
    medium: campaign.utmMedium,
    campaign: campaign.utmCampaign,
    term: campaign.utmTerm,
    content: campaign.utmContent,
  });
}

const checkV1 = Compile(CachedLinkV1);
const checkV2 = Compile(CachedLinkV2);
const checkV3 = Compile(CachedLinkV3);

export class InvalidCachedValueError extends Error {
  override readonly name = 'InvalidCachedValueError';
}

function firstError(check: Validator, value: unknown): string {
  const error = check.Errors(value)[0];
  return error ? `${error.instancePath || '/'}: ${error.message}` : 'invalid value';
}

export function encodeCachedLink(value: CachedLink): string {
  const check = value.v === 3 ? checkV3 : value.v === 2 ? checkV2 : checkV1;
  if (!check.Check(value)) {
    throw new InvalidCachedValueError(`refusing to cache an invalid link (${firstError(check, value)})`);
  }
  return JSON.stringify(value);
}

/** Null for anything this version cannot use (absent, corrupt, or another version): a cache miss. */
export function decodeCachedLink(raw: string | null | undefined): CachedLink | null {
  if (!raw) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  switch ((value as { v?: unknown }).v) {
    case 1:
      return checkV1.Check(value) ? value : null;
    case 2:
      return checkV2.Check(value) ? value : null;
    case 3:
      return checkV3.Check(value) ? value : null;
    default:
      return null;
  }
}

/** Published on the invalidation channel after a link is created, changed or deleted. */
export const LinkInvalidationV1 = Type.Object(
  {
    v: Type.Literal(1),
    domain: Type.String({ minLength: 1, maxLength: 253 }),
    code: Type.String({ minLength: 1, maxLength: 128 }),
  },
  { additionalProperties: false },
);
export type LinkInvalidationV1 = Static<typeof LinkInvalidationV1>;
export type LinkInvalidation = LinkInvalidationV1;

const checkInvalidation = Compile(LinkInvalidationV1);

export function encodeLinkInvalidation(message: Omit<LinkInvalidation, 'v'>): string {
  const value: LinkInvalidation = { v: 1, domain: message.domain, code: message.code };
  if (!checkInvalidation.Check(value)) {
    throw new InvalidCachedValueError(
      `refusing to publish an invalid invalidation (${firstError(checkInvalidation, value)})`,
    );
  }
  return JSON.stringify(value);
}

/** Null for a message this version cannot read; the subscriber then logs and ignores it. */
export function decodeLinkInvalidation(raw: string): LinkInvalidation | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  return checkInvalidation.Check(value) ? value : null;
}
