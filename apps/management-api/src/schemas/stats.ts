import { type Static, Type } from 'typebox';
import { ListLinksQuery } from './links.ts';
import { VisitFilters } from './visits.ts';

// The visit filters, with the names, values and meaning of GET /visits: any of them makes the answer count raw
// click events (source `events`). `bot` chooses bots or people; `includeBots` (today's parameter) adds bots
// to people. They say the same thing two ways, so a query may carry one of them, not both.
const { country, referrer, device, browser, os, variant, bot } = VisitFilters;
const visitorFilters = { country, referrer, device, browser, os, variant, bot };

// The link filters of GET /links, with the same names and values: they choose the workspace's links whose
// per-link roll-ups are summed (source `rollups`, exact).
const { tag, domain, campaignId } = ListLinksQuery.properties;
const linkFilters = { tag, domain, campaignId };

const rangeParameters = {
  from: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 40,
      description: 'ISO date or date-time (default: to minus 30 days, or 24 h hourly)',
    }),
  ),
  to: Type.Optional(
    Type.String({ minLength: 1, maxLength: 40, description: 'ISO date or date-time (default: now)' }),
  ),
  interval: Type.Optional(
    Type.Union([Type.Literal('hour'), Type.Literal('day')], {
      default: 'day',
      description: 'hour: at most 31 days; day: at most 731 days',
    }),
  ),
  includeBots: Type.Optional(
    Type.Boolean({
      description: 'true: count bots as well as people (default false: people only); not with `bot`',
    }),
  ),
};

export const StatsQuery = Type.Object(
  { ...rangeParameters, ...visitorFilters },
  { additionalProperties: false },
);

export const AccountStatsQuery = Type.Object(
  { ...rangeParameters, ...visitorFilters, ...linkFilters },
  { additionalProperties: false },
);

const CountedList = Type.Array(Type.Object({ value: Type.String(), clicks: Type.Integer() }), {
  description: 'Top 10, most clicks first',
});

const statsFields = {
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  interval: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  includeBots: Type.Boolean({
    description: 'Whether bot clicks are counted (true with bot=true: only they are)',
  }),
  source: Type.Union([Type.Literal('rollups'), Type.Literal('events')], {
    description:
      'rollups: the roll-ups kept for as long as the link lives; events: the raw click events, which a visitor filter needs, kept from rawEventsSince on',
  }),
  rawEventsSince: Type.String({
    format: 'date-time',
    description: 'Raw click events are kept from this moment on (CLICK_EVENT_RETENTION_DAYS)',
  }),
  clampedToRawEvents: Type.Boolean({
    description:
      'true when a visitor filter met a range starting before rawEventsSince: the answer (and `from`) starts at rawEventsSince instead',
  }),
  total: Type.Integer(),
  uniqueVisitors: Type.Integer({
    description:
      'Distinct visitors over the UTC days of the range (events: over the buckets of the range), exact',
  }),
  timeseries: Type.Array(Type.Object({ t: Type.String({ format: 'date-time' }), clicks: Type.Integer() }), {
    description: 'One point per bucket, zero-filled',
  }),
  countries: CountedList,
  referrers: CountedList,
  devices: CountedList,
  browsers: CountedList,
  os: CountedList,
};

export const LinkStats = Type.Object(
  {
    ...statsFields,
    // Optional in the schema only so the account's answer, which has no per-variant counts, keeps the shape
    // clients share between both: every link stats answer carries it.
    variants: Type.Optional(
      Type.Array(Type.Object({ value: Type.String(), clicks: Type.Integer() }), {
        description:
          "Clicks per A/B variant name, every variant with clicks in the range (not only 10), most first; [] for a link without a split. Always present in a link's stats",
      }),
    ),
  },
  { $id: 'LinkStats', title: 'LinkStats' },
);
export const AccountStats = Type.Object(
  {
    ...statsFields,
    uniqueVisitors: Type.Integer({
      description:
        'Distinct visitors of the account over the UTC days of the range: without filters a HyperLogLog estimate (standard error 0.81 %); with any filter exact',
    }),
    topLinks: Type.Array(
      Type.Object({
        id: Type.String({ format: 'uuid' }),
        code: Type.String(),
        domain: Type.String(),
        clicks: Type.Integer(),
      }),
    ),
  },
  { title: 'AccountStats' },
);

export type StatsQuery = Static<typeof StatsQuery>;
export type AccountStatsQuery = Static<typeof AccountStatsQuery>;
export type StatsInterval = NonNullable<StatsQuery['interval']>;
/** The stats of one link, as the API answers them. */
export type StatsResult = Static<typeof LinkStats>;
export type Counted = StatsResult['countries'][number];
export type TopLink = Static<typeof AccountStats>['topLinks'][number];
