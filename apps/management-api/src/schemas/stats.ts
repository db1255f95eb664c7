import { type Static, Type } from 'typebox';

export const StatsQuery = Type.Object(
  {
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
    includeBots: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

const CountedList = Type.Array(Type.Object({ value: Type.String(), clicks: Type.Integer() }), {
  description: 'Top 10, most clicks first',
});

const statsFields = {
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  interval: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  includeBots: Type.Boolean(),
  total: Type.Integer(),
  uniqueVisitors: Type.Integer({ description: 'Distinct visitors over the UTC days of the range' }),
  timeseries: Type.Array(Type.Object({ t: Type.String({ format: 'date-time' }), clicks: Type.Integer() }), {
    description: 'One point per bucket, zero-filled',
  }),
  countries: CountedList,
  referrers: CountedList,
  devices: CountedList,
  browsers: CountedList,
  os: CountedList,
};

export const LinkStats = Type.Object(statsFields, { $id: 'LinkStats', title: 'LinkStats' });
export const AccountStats = Type.Object(
  {
    ...statsFields,
    uniqueVisitors: Type.Integer({
      description:
        'Distinct visitors of the account over the UTC days of the range: a HyperLogLog estimate (standard error 0.81 %)',
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
export type StatsInterval = NonNullable<StatsQuery['interval']>;
/** The stats of one link, as the API answers them. */
export type StatsResult = Static<typeof LinkStats>;
export type Counted = StatsResult['countries'][number];
export type TopLink = Static<typeof AccountStats>['topLinks'][number];
