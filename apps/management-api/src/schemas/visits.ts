import { VARIANT_NAME_PATTERN } from '@boltlink/redirect-location/variants';
import { type Static, Type } from 'typebox';
import { Pagination } from './common.ts';

// The values a filter matches are the ones the stats list: a country's two letters or `unknown`, a referrer
// host or `(direct)`, a device, browser or OS name as stats report it.
export const VisitFilters = {
  from: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description:
        'ISO date or date-time, inclusive (default and earliest: rawEventsSince, the start of the raw data kept)',
    }),
  ),
  to: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'ISO date or date-time, exclusive (default: now)',
    }),
  ),
  country: Type.Optional(
    Type.String({
      pattern: '^([A-Za-z]{2}|unknown)$',
      description: 'ISO 3166-1 alpha-2 code, or `unknown` for visits without a country',
    }),
  ),
  referrer: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'Referrer host (news.example), or `(direct)` for visits without a referrer',
    }),
  ),
  device: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, description: 'desktop, mobile, tablet, …' }),
  ),
  browser: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  os: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
  variant: Type.Optional(
    Type.String({
      pattern: VARIANT_NAME_PATTERN,
      description: "The name of a link's A/B variant: only the visits sent to a variant of that name",
    }),
  ),
  bot: Type.Optional(
    Type.Boolean({
      description: 'true: only visits flagged as bots; false: only the others (default: both)',
    }),
  ),
};

export const VisitsQuery = Type.Object({ ...Pagination, ...VisitFilters }, { additionalProperties: false });

export const VisitsExportQuery = Type.Object(
  {
    ...VisitFilters,
    format: Type.Optional(
      Type.Union([Type.Literal('csv'), Type.Literal('ndjson')], {
        default: 'csv',
        description: 'csv (a header row, then one visit a line) or ndjson (one Visit object a line)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const Visit = Type.Object(
  {
    id: Type.String({ format: 'uuid', description: 'The click event id' }),
    linkId: Type.String({ format: 'uuid' }),
    occurredAt: Type.String({ format: 'date-time', description: 'UTC, with microseconds' }),
    country: Type.Union([Type.String(), Type.Null()]),
    referrerHost: Type.Union([Type.String(), Type.Null()]),
    device: Type.String(),
    browser: Type.String(),
    os: Type.String(),
    bot: Type.Boolean(),
    variant: Type.Union([Type.String(), Type.Null()], {
      description:
        "The link's A/B variant the visitor was sent to; null without a split or when a redirect rule won",
    }),
  },
  { title: 'Visit' },
);

export const VisitPage = Type.Object(
  {
    items: Type.Array(Visit, { description: 'Newest first' }),
    nextCursor: Type.Union([Type.String(), Type.Null()]),
    rawEventsSince: Type.String({
      format: 'date-time',
      description:
        'Raw visits are kept from this moment on (CLICK_EVENT_RETENTION_DAYS); stats and totals go further back',
    }),
  },
  { title: 'VisitPage' },
);

export type VisitsQuery = Static<typeof VisitsQuery>;
export type VisitsExportQuery = Static<typeof VisitsExportQuery>;
export type VisitFilterQuery = Omit<VisitsQuery, 'limit' | 'cursor'>;
export type Visit = Static<typeof Visit>;
export type VisitPage = Static<typeof VisitPage>;
