import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, problems, refTo } from '../schemas/common.ts';
import { AccountStats, LinkStats, StatsQuery } from '../schemas/stats.ts';
import type { StatsService } from '../services/stats-service.ts';
import type { App } from '../types.ts';

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
        response: { 200: refTo(LinkStats), ...problems(...AUTHED, 'not_found') },
      },
    },
    async (request) => deps.stats.forLink(accessOf(request).workspaceId, request.params.id, request.query),
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
    async (request) => deps.stats.forAccount(accessOf(request).workspaceId, request.query),
  );
}
