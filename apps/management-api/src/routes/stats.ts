import { Type } from '@sinclair/typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { principalOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, problems } from '../schemas/common.ts';
import type { StatsService } from '../services/stats-service.ts';
import type { App } from '../types.ts';

const StatsQuery = Type.Object(
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

const Counted = Type.Array(Type.Object({ value: Type.String(), clicks: Type.Integer() }), {
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
  countries: Counted,
  referrers: Counted,
  devices: Counted,
  browsers: Counted,
  os: Counted,
};

const LinkStats = Type.Object(statsFields, { $id: 'LinkStats', title: 'LinkStats' });
const AccountStats = Type.Object(
  {
    ...statsFields,
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

export { LinkStats };

export function statsRoutes(app: App, deps: { stats: StatsService; authenticator: Authenticator }): void {
  const security = [{ bearerAuth: [] }];

  app.get(
    '/links/:id/stats',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary: 'Clicks of one link: total, timeseries and top dimensions',
        security,
        params: IdParams,
        querystring: StatsQuery,
        response: { 200: Type.Ref(LinkStats), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => deps.stats.forLink(principalOf(request).userId, request.params.id, request.query),
  );

  app.get(
    '/stats',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary: 'Account-wide clicks: totals, timeseries, top dimensions and top links',
        security,
        querystring: StatsQuery,
        response: { 200: AccountStats, ...problems(...AUTHED) },
      },
    },
    async (request) => deps.stats.forAccount(principalOf(request).userId, request.query),
  );
}
