import type { Authenticator } from '../plugins/auth.ts';
import { accessOf } from '../plugins/auth.ts';
import { AUTHED, IdParams, problems, refTo } from '../schemas/common.ts';
import { AccountStats, AccountStatsQuery, LinkStats, StatsQuery } from '../schemas/stats.ts';
import type { StatsService } from '../services/stats-service.ts';
import type { App } from '../types.ts';

const FILTERS_NOTE =
  'Filters combine. Without filters (or with only bot/includeBots, tag, domain, campaignId) the answer is counted from roll-ups (source rollups); a visitor filter (country, referrer, device, browser, os) counts raw click events (source events), kept from rawEventsSince on: an earlier from is moved to it (clampedToRawEvents). A query over raw events that runs too long is a 503: narrow the range or the links.';

export function statsRoutes(app: App, deps: { stats: StatsService; authenticator: Authenticator }): void {
  const security = [{ bearerAuth: [] }];

  app.get(
    '/links/:id/stats',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary: 'Clicks of one link: total, timeseries and top dimensions',
        description: FILTERS_NOTE,
        security,
        params: IdParams,
        querystring: StatsQuery,
        response: { 200: refTo(LinkStats), ...problems(...AUTHED, 'not_found', 'unavailable') },
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
        description: FILTERS_NOTE,
        security,
        querystring: AccountStatsQuery,
        response: { 200: AccountStats, ...problems(...AUTHED, 'unavailable') },
      },
    },
    async (request) => deps.stats.forAccount(accessOf(request).workspaceId, request.query),
  );
}
