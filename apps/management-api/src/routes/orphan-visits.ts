import { Type } from 'typebox';
import type { Authenticator } from '../plugins/auth.ts';
import { accessOf, principalOf } from '../plugins/auth.ts';
import { AUTHED, problems, refTo } from '../schemas/common.ts';
import { OrphanVisitQuery, OrphanVisitSchema } from '../schemas/orphan-visits.ts';
import type { OrphanVisitReader } from '../services/orphan-visits.ts';
import { instanceDenial } from '../services/permissions.ts';
import type { App } from '../types.ts';

/**
 * Requests that reached no link on the workspace's domains (and, for an instance admin, the instance's short
 * domains): readable by whoever may read stats.
 */
export function orphanVisitRoutes(
  app: App,
  deps: { orphanVisits: OrphanVisitReader; authenticator: Authenticator },
): void {
  app.get(
    '/orphan-visits',
    {
      preParsing: deps.authenticator.require('stats:read'),
      schema: {
        tags: ['stats'],
        summary:
          'Visits to unknown codes, bare domains and dead links on the domains the caller may see, newest minute first',
        security: [{ bearerAuth: [] }],
        querystring: OrphanVisitQuery,
        response: {
          200: Type.Object({
            items: Type.Array(refTo(OrphanVisitSchema)),
            nextCursor: Type.Union([Type.String(), Type.Null()]),
          }),
          ...problems(...AUTHED, 'not_found'),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const admin = principal.kind === 'session' && instanceDenial(principal) === null;
      return deps.orphanVisits.list(accessOf(request).workspaceId, admin, request.query);
    },
  );
}
