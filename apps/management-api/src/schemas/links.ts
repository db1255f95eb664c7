import './formats.ts';
import { ALIAS_MIN_LENGTH, SHORT_CODE_CHARACTERS, SHORT_CODE_MAX_LENGTH } from '@boltlink/db/short-code';
import { RedirectRules } from '@boltlink/redirect-location/rules';
import { LinkVariant, MAX_VARIANTS } from '@boltlink/redirect-location/variants';
import { type Static, Type } from 'typebox';
import { MAX_TAGS } from '../services/link-rules.ts';
import { Pagination, ProblemSchema, refTo, Uuid } from './common.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

const RedirectTypeSchema = Type.Union(
  [Type.Literal(301), Type.Literal(302), Type.Literal(307), Type.Literal(308)],
  {
    description: 'HTTP status of the redirect (default 302)',
  },
);
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: MAX_TAGS });
const Url = Type.String({ minLength: 1, maxLength: 8192, description: 'Destination, http or https only' });
const Domain = Type.String({
  minLength: 1,
  maxLength: 259,
  description: 'One of the configured short domains',
});
const Title = Type.String({ maxLength: 500 });
// Counted (0, or 2 to 10) by the link service, so a split of one gets a message that says so.
const Variants = Type.Array(LinkVariant, {
  maxItems: MAX_VARIANTS,
  description:
    'A/B split: 2 to 10 named destinations with weights; each visitor keeps their variant. A matching redirect rule wins over the split; `null` or `[]` removes it',
});
const ExpiresAt = Type.String({ format: 'date-time', description: 'Must be in the future' });
const MaxClicks = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const LinkPassword = Type.String({
  minLength: 1,
  maxLength: 128,
  description: 'Visitors must enter it; stored as an argon2id hash, never returned',
});

export const LinkSchema = Type.Object(
  {
    id: Uuid,
    code: Type.String(),
    domain: Type.String(),
    shortUrl: Type.String(),
    url: Type.String(),
    title: Nullable(Type.String()),
    description: Nullable(Type.String()),
    image: Nullable(Type.String()),
    tags: Type.Array(Type.String()),
    expiresAt: Nullable(Type.String({ format: 'date-time' })),
    maxClicks: Nullable(Type.Integer()),
    redirectType: Type.Integer(),
    hasPassword: Type.Boolean(),
    campaignId: Nullable(Uuid),
    rules: RedirectRules,
    variants: Type.Array(LinkVariant, { description: 'A/B split in order; [] without one' }),
    clicks: Type.Integer({ description: 'Persisted total of recorded clicks' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Link', title: 'Link' },
);

export const CreateLinkBody = Type.Object(
  {
    url: Url,
    alias: Type.Optional(
      Type.String({
        minLength: ALIAS_MIN_LENGTH,
        maxLength: SHORT_CODE_MAX_LENGTH,
        pattern: `^[${SHORT_CODE_CHARACTERS}]+$`,
        description: 'Custom code (case-sensitive); a random 7-character code otherwise',
      }),
    ),
    domain: Type.Optional(Domain),
    title: Type.Optional(Title),
    tags: Type.Optional(Tags),
    expiresAt: Type.Optional(ExpiresAt),
    maxClicks: Type.Optional(MaxClicks),
    password: Type.Optional(LinkPassword),
    redirectType: Type.Optional(RedirectTypeSchema),
    campaignId: Type.Optional(Uuid),
    rules: Type.Optional(RedirectRules),
    variants: Type.Optional(Nullable(Variants)),
  },
  { additionalProperties: false, $id: 'CreateLink', title: 'CreateLink' },
);

export const UpdateLinkBody = Type.Object(
  {
    url: Type.Optional(Url),
    domain: Type.Optional(Domain),
    title: Type.Optional(Nullable(Title)),
    tags: Type.Optional(Tags),
    expiresAt: Type.Optional(Nullable(ExpiresAt)),
    maxClicks: Type.Optional(Nullable(MaxClicks)),
    password: Type.Optional(Nullable(LinkPassword)),
    redirectType: Type.Optional(RedirectTypeSchema),
    campaignId: Type.Optional(Nullable(Uuid)),
    rules: Type.Optional(RedirectRules),
    variants: Type.Optional(Nullable(Variants)),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description:
      'Any creatable field but alias; null clears (rules: [] removes them, variants: null or [] the split)',
  },
);

export const MAX_BULK_LINKS = 1000;

export const BulkCreateBody = Type.Object(
  {
    links: Type.Array(
      // Items are checked one by one against CreateLink in the handler, so a bad item fails alone
      // instead of failing the whole request.
      Type.Unknown({ description: 'A CreateLink object' }),
      { minItems: 1, maxItems: MAX_BULK_LINKS },
    ),
  },
  { additionalProperties: false },
);

export const BulkCreateResponse = Type.Object({
  items: Type.Array(
    Type.Union([refTo(LinkSchema), Type.Object({ error: refTo(ProblemSchema) })], {
      description: 'The created link, or the problem with this input; same order as the input',
    }),
  ),
});

/** How many ids one `GET /links?ids=` names at most: a page of visits or of anything that lists links. */
export const MAX_LIST_IDS = 100;

export const ListLinksQuery = Type.Object(
  {
    ...Pagination,
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'Search in url, title and code' }),
    ),
    campaignId: Type.Optional(Uuid),
    domain: Type.Optional(
      Type.String({ minLength: 1, maxLength: 259, description: 'Only the links on this short domain' }),
    ),
    ids: Type.Optional(
      Type.String({
        minLength: 1,
        // 100 uuids and their commas take 3,699 characters; the room above lets a list a few ids too long be
        // refused with its count.
        maxLength: 4000,
        description: `Only these links: up to ${MAX_LIST_IDS} comma-separated link ids. Ids of links this workspace does not have (deleted, or another workspace's) are absent from the page, not an error; combine with limit=${MAX_LIST_IDS} for one page`,
      }),
    ),
  },
  { additionalProperties: false },
);

export const LinkPage = Type.Object({
  items: Type.Array(refTo(LinkSchema)),
  nextCursor: Nullable(Type.String()),
});

export const LinkDomainSchema = Type.Object({
  domain: Type.String({ description: 'What POST /links takes as `domain`' }),
  kind: Type.Union([Type.Literal('instance'), Type.Literal('custom')], {
    description: "instance: one of the instance's short domains; custom: a verified domain of the workspace",
  }),
  isDefault: Type.Boolean({ description: 'The domain a link gets when it names none' }),
});
export type LinkDomain = Static<typeof LinkDomainSchema>;

/**
 * A PNG is rendered pixel by pixel on the event loop (a 2048-px one took ~0.4 s of CPU); an SVG only
 * states its width, so it keeps the larger bound.
 */
export const QR_PNG_MAX_SIZE = 1024;

export const QrQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('svg'), Type.Literal('png')], { default: 'svg' })),
    size: Type.Optional(
      Type.Integer({
        minimum: 64,
        maximum: 2048,
        default: 512,
        description: `Width in pixels; at most ${QR_PNG_MAX_SIZE} for PNG`,
      }),
    ),
  },
  { additionalProperties: false },
);

/** The public shape of a link (ARCHITECTURE.md); never carries the password hash. */
export type LinkView = Static<typeof LinkSchema>;
export type CreateLinkInput = Static<typeof CreateLinkBody>;
/** PATCH body: any creatable field but alias; `null` clears an optional field. */
export type UpdateLinkInput = Static<typeof UpdateLinkBody>;
export type ListLinksQuery = Static<typeof ListLinksQuery>;
